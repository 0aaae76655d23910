package dev.unisession.it.app;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** Drives HttpSession through GET /s?op=...; answers "key=value" lines. Declared in web.xml. */
public class SessionServlet extends HttpServlet {

    @Override
    @SuppressWarnings("unchecked")
    protected void doGet(HttpServletRequest req, HttpServletResponse resp)
            throws IOException, jakarta.servlet.ServletException {
        resp.setContentType("text/plain;charset=UTF-8");
        String op = req.getParameter("op");
        String name = req.getParameter("name");
        String value = req.getParameter("value");
        List<String> out = new ArrayList<>();
        switch (op == null ? "info" : op) {
            case "info":
                break;
            case "create":
                req.getSession();
                break;
            case "set":
                req.getSession().setAttribute(name, value);
                break;
            case "setnull":
                req.getSession().setAttribute(name, null);
                break;
            case "remove":
                req.getSession().removeAttribute(name);
                break;
            case "get":
                out.add("value=" + req.getSession().getAttribute(name));
                break;
            case "list-add": {
                HttpSession s = req.getSession();
                List<String> list = (List<String>) s.getAttribute(name);
                if (list == null) {
                    list = new ArrayList<>();
                    list.add(value);
                    s.setAttribute(name, list);
                } else {
                    list.add(value); // in place, no setAttribute
                }
                break;
            }
            case "slow-list-add": { // list-add that reads, waits ms, then adds (a request another one overtakes)
                HttpSession s = req.getSession();
                List<String> list = (List<String>) s.getAttribute(name);
                try {
                    Thread.sleep(Long.parseLong(req.getParameter("ms")));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                list.add(value); // in place
                out.add("added=" + value);
                break;
            }
            case "cart-add": {
                HttpSession s = req.getSession();
                Cart cart = (Cart) s.getAttribute("cart");
                if (cart == null) {
                    cart = new Cart();
                    s.setAttribute("cart", cart);
                }
                cart.add(value);
                break;
            }
            case "set3": {
                HttpSession s = req.getSession();
                s.setAttribute("a", value + "-a");
                s.setAttribute("b", value + "-b");
                s.setAttribute("c", value + "-c");
                break;
            }
            case "slow-set": {
                HttpSession s = req.getSession();
                try {
                    Thread.sleep(Long.parseLong(req.getParameter("ms")));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                try {
                    s.setAttribute(name, value);
                    out.add("slow=set");
                } catch (IllegalStateException e) {
                    out.add("slow=invalidated");
                }
                break;
            }
            case "expiring": {
                HttpSession s = req.getSession();
                s.setAttribute(name, value);
                s.setMaxInactiveInterval(Integer.parseInt(req.getParameter("secs")));
                break;
            }
            case "login":
                try {
                    dev.unisession.api.UnifiedSession.of(req).authenticate(req.getParameter("user"));
                    out.add("login=ok");
                } catch (dev.unisession.api.SessionLimitException e) {
                    out.add("login=refused");
                }
                break;
            case "switch":
                dev.unisession.api.UnifiedSession.of(req).switchContext(value);
                out.add("context=" + dev.unisession.api.UnifiedSession.of(req).context());
                break;
            case "meta-set":
                dev.unisession.api.UnifiedSession.of(req).metadata().put(name, value);
                break;
            case "meta-get": {
                var u = dev.unisession.api.UnifiedSession.of(req);
                out.add("meta=" + u.metadata().get(name));
                out.add("metaKeys=" + u.metadata().keys());
                out.add("expiresAt=" + u.expiresAt());
                break;
            }
            case "mfa-now":
                dev.unisession.api.UnifiedSession.of(req)
                        .metadata()
                        .put(dev.unisession.api.SessionMetadata.MFA_VERIFIED_AT, java.time.Instant.now());
                break;
            case "reauth":
                out.add("reauth=" + req.getAttribute(dev.unisession.api.SessionValidator.REAUTH_ATTRIBUTE));
                break;
            case "disable":
                DisabledAccounts.DISABLED.add(req.getParameter("user"));
                break;
            case "break-validator":
                DisabledAccounts.BROKEN.add(req.getParameter("user"));
                break;
            case "mend-validator":
                DisabledAccounts.BROKEN.remove(req.getParameter("user"));
                break;
            case "stale-mfa":
                DisabledAccounts.STALE_MFA.add(req.getParameter("user"));
                break;
            case "validator-calls": {
                var n = DisabledAccounts.CALLS.get(req.getParameter("user"));
                out.add("calls=" + (n == null ? 0 : n.get()));
                break;
            }
            case "logout-others": {
                var manager = dev.unisession.api.SessionManager.of(getServletContext());
                var me = dev.unisession.api.UnifiedSession.of(req);
                out.add("ended="
                        + manager.invalidateAllOf(
                                me.principal(), req.getSession().getId()));
                break;
            }
            case "sessions-of":
                out.add("count="
                        + dev.unisession.api.SessionManager.of(getServletContext())
                                .sessionsOf(req.getParameter("user"))
                                .size());
                break;
            case "whoami":
                out.add("principal=" + dev.unisession.api.UnifiedSession.of(req).principal());
                break;
            case "requested":
                out.add("requestedId=" + req.getRequestedSessionId());
                out.add("requestedValid=" + req.isRequestedSessionIdValid());
                out.add("fromCookie=" + req.isRequestedSessionIdFromCookie());
                out.add("fromUrl=" + req.isRequestedSessionIdFromURL());
                break;
            case "null-name":
                try {
                    req.getSession().setAttribute(null, "x");
                    out.add("nullName=accepted");
                } catch (RuntimeException e) {
                    out.add("nullName=" + e.getClass().getSimpleName());
                }
                break;
            case "change-id-no-session":
                try {
                    req.changeSessionId();
                    out.add("changeId=no exception");
                } catch (IllegalStateException e) {
                    out.add("changeId=ISE");
                }
                break;
            case "same-context":
                out.add("sameContext=" + (req.getSession().getServletContext() == getServletContext()));
                break;
            case "invalidate-create": {
                HttpSession old = req.getSession();
                String oldId = old.getId();
                old.invalidate();
                HttpSession fresh = req.getSession(true);
                out.add("oldId=" + oldId);
                out.add("newDiffers=" + !fresh.getId().equals(oldId));
                out.add("freshIsNew=" + fresh.isNew());
                if (name != null) fresh.setAttribute(name, value);
                break;
            }
            case "forward":
                req.getRequestDispatcher("/s?op=set&name=" + name + "&value=" + value)
                        .forward(req, resp);
                return;
            case "include": {
                resp.getWriter().println("before-include");
                req.getRequestDispatcher("/s?op=set&name=" + name + "&value=" + value)
                        .include(req, resp);
                return;
            }
            case "async": {
                HttpSession s = req.getSession();
                jakarta.servlet.AsyncContext ctx = req.startAsync();
                new Thread(
                                () -> {
                                    try {
                                        Thread.sleep(50);
                                        s.setAttribute(name, value);
                                        ctx.getResponse().getWriter().println("async=done");
                                    } catch (Exception e) {
                                        EventLog.add("async failed " + e);
                                    } finally {
                                        ctx.complete();
                                    }
                                },
                                "test-async")
                        .start();
                return;
            }
            case "set-get": {
                HttpSession s = req.getSession();
                s.setAttribute(name, value);
                out.add("sameRequest=" + s.getAttribute(name));
                break;
            }
            case "activation":
                req.getSession().setAttribute(name, new Activated(value));
                break;
            case "bound":
                req.getSession().setAttribute(name, new Bound(value));
                break;
            case "max-inactive":
                req.getSession().setMaxInactiveInterval(Integer.parseInt(value));
                break;
            case "unstorable":
                try {
                    req.getSession().setAttribute(name, new URL("http://example.invalid/"));
                    out.add("stored=yes");
                } catch (IllegalArgumentException e) {
                    out.add("refused=" + e.getMessage());
                }
                break;
            case "invalidate": {
                HttpSession s = req.getSession(false);
                if (s == null) {
                    out.add("invalidated=none");
                    break;
                }
                s.invalidate();
                out.add("invalidated=" + s.getId());
                out.add("after.getAttribute=" + throwsIse(() -> s.getAttribute("x")));
                out.add("after.setAttribute="
                        + throwsIse(() -> {
                            s.setAttribute("x", "y");
                            return null;
                        }));
                out.add("after.removeAttribute="
                        + throwsIse(() -> {
                            s.removeAttribute("x");
                            return null;
                        }));
                out.add("after.getAttributeNames=" + throwsIse(s::getAttributeNames));
                out.add("after.getCreationTime=" + throwsIse(s::getCreationTime));
                out.add("after.getLastAccessedTime=" + throwsIse(s::getLastAccessedTime));
                out.add("after.isNew=" + throwsIse(s::isNew));
                out.add("after.invalidate="
                        + throwsIse(() -> {
                            s.invalidate();
                            return null;
                        }));
                out.add("after.getSessionFalse=" + (req.getSession(false) == null ? "null" : "present"));
                break;
            }
            case "change-id": {
                String before = req.getSession().getId();
                String after = req.changeSessionId();
                out.add("before=" + before);
                out.add("after=" + after);
                break;
            }
            case "redirect":
                req.getSession().setAttribute(name, value);
                resp.sendRedirect(req.getContextPath() + "/s?op=info");
                return;
            case "big": {
                req.getSession().setAttribute(name, value);
                PrintWriter w = resp.getWriter();
                char[] line = new char[1023];
                java.util.Arrays.fill(line, 'x');
                for (int i = 0; i < 256; i++) w.println(line); // 256 KiB: far past any response buffer
                resp.flushBuffer();
                w.println("end");
                return;
            }
            case "set-after-flush": { // the change comes after the response has gone out
                HttpSession s = req.getSession();
                resp.getWriter().println("flushed");
                resp.flushBuffer();
                s.setAttribute(name, value);
                return;
            }
            case "set-catch": { // an application that catches whatever its flush throws and carries on
                req.getSession().setAttribute(name, value);
                try {
                    resp.flushBuffer();
                } catch (RuntimeException e) {
                    resp.getWriter().println("caught=" + e.getClass().getSimpleName());
                }
                resp.getWriter().println("app-output");
                return;
            }
            case "get-catch": { // an application that catches a failed session load and answers anyway
                try {
                    out.add("value=" + req.getSession().getAttribute(name));
                } catch (RuntimeException e) {
                    resp.getWriter().println("caught=" + e.getClass().getSimpleName());
                }
                resp.getWriter().println("app-output");
                resp.flushBuffer();
                return;
            }
            case "big-stream": {
                req.getSession().setAttribute(name, value);
                byte[] chunk = new byte[64 * 1024];
                java.util.Arrays.fill(chunk, (byte) 'y');
                for (int i = 0; i < 4; i++) resp.getOutputStream().write(chunk);
                resp.flushBuffer();
                return;
            }
            default:
                resp.sendError(400, "unknown op");
                return;
        }
        HttpSession s = req.getSession(false);
        PrintWriter w = resp.getWriter();
        for (String line : out) w.println(line);
        if (s == null) {
            w.println("session=none");
            return;
        }
        w.println("session=" + s.getId());
        w.println("isNew=" + s.isNew());
        w.println("creationTime=" + s.getCreationTime());
        w.println("lastAccessedTime=" + s.getLastAccessedTime());
        w.println("maxInactive=" + s.getMaxInactiveInterval());
        w.println("class=" + s.getClass().getName());
        TreeMap<String, Object> attrs = new TreeMap<>();
        for (String n : Collections.list(s.getAttributeNames())) attrs.put(n, s.getAttribute(n));
        w.println("names=" + String.join(",", attrs.keySet()));
        for (var e : attrs.entrySet()) w.println("attr." + e.getKey() + "=" + e.getValue());
    }

    private static String throwsIse(Callable<?> call) {
        try {
            call.call();
            return "no";
        } catch (IllegalStateException e) {
            return "ISE";
        } catch (Exception e) {
            return e.getClass().getSimpleName();
        }
    }
}
