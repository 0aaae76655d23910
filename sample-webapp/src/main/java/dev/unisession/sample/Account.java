package dev.unisession.sample;

import dev.unisession.api.SessionHealth;
import dev.unisession.api.SessionInfo;
import dev.unisession.api.SessionMetrics;
import dev.unisession.api.UnifiedSession;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** The user's sessions, the platform switcher, and the ops page: all through the unified session API. */
public final class Account {

    private Account() {}

    static String ago(Instant t) {
        long s = Math.max(0, Duration.between(t, Instant.now()).getSeconds());
        if (s < 60) return "just now";
        if (s < 3600) return (s / 60) + " min ago";
        if (s < 86_400) return (s / 3600) + " h ago";
        return (s / 86_400) + " days ago";
    }

    /** GET /sessions : where you are logged in; POST action=logout-others ends the others. */
    @WebServlet("/sessions")
    public static final class Sessions extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            if (!Html.requireLogin(req, resp)) return;
            Me me = Html.bean(Me.class);
            PrintWriter w = Html.begin(req, resp, "Your sessions");
            String ended = req.getParameter("ended");
            if (ended != null && ended.matches("\\d{1,6}")) {
                w.println("<p class='notice' id='ended'>" + ended + " other session(s) logged out.</p>");
            }
            w.println("<table id='sessions'><thead><tr><th>Device</th><th>Last seen</th><th>Network</th>"
                    + "<th>Platform</th><th></th></tr></thead><tbody>");
            for (SessionInfo s : me.mySessions()) {
                boolean current = s.id().equals(me.sessionId());
                Map<String, String> m = s.metadata();
                w.println("<tr class='session" + (current ? " current" : "") + "'><td>"
                        + Html.esc(m.getOrDefault("device", "unknown device")) + "</td><td>"
                        + (current ? "now" : ago(s.lastAccessedAt())) + "</td><td>"
                        + Html.esc(m.getOrDefault("ipPrefix", "?")) + "</td><td>"
                        + Html.esc(s.context() == null ? "" : s.context()) + "</td><td>"
                        + (current ? "<span class='badge'>this device</span>" : "") + "</td></tr>");
            }
            w.println("</tbody></table><form method='post'><input type='hidden' name='action' "
                    + "value='logout-others'><button id='logout-others'>Log out other sessions</button></form>");
            Html.end(w);
        }

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            if (!Html.requireLogin(req, resp)) return;
            if (!"logout-others".equals(req.getParameter("action"))) {
                resp.sendError(400, "Unknown action");
                return;
            }
            int n = Html.bean(Me.class).logOutOtherSessions();
            resp.sendRedirect(req.getContextPath() + "/sessions?ended=" + n);
        }
    }

    /** GET /account : connected platforms; POST context=… switches (same session, same id). */
    @WebServlet("/account")
    public static final class Platforms extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            if (!Html.requireLogin(req, resp)) return;
            Me me = Html.bean(Me.class);
            PrintWriter w = Html.begin(req, resp, "Connected accounts");
            w.println("<p>One login, several platforms: switching keeps your session (and your cart).</p>"
                    + "<ul class='platforms'>");
            for (String p : Me.platformsOf(me.user())) {
                boolean current = p.equals(me.context());
                w.println("<li>" + Html.esc(p)
                        + (current
                                ? " <span class='badge'>current</span>"
                                : " <form method='post'><input type='hidden' name='context' value='" + Html.esc(p)
                                        + "'><button class='switch'>Switch</button></form>")
                        + "</li>");
            }
            w.println("</ul><p class='hint'>Session <code id='sid'>"
                    + Html.esc(me.sessionId().substring(0, 6)) + "…</code>, expires "
                    + Html.esc(me.session().expiresAt()) + "</p>");
            Html.end(w);
        }

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            if (!Html.requireLogin(req, resp)) return;
            String context = req.getParameter("context");
            UnifiedSession s = UnifiedSession.of(req);
            if (context == null || !Me.platformsOf(s.principal()).contains(context)) {
                resp.sendError(400, "Not one of your accounts");
                return;
            }
            s.switchContext(context);
            resp.sendRedirect(req.getContextPath() + "/account");
        }
    }

    /**
     * GET /ops : store health, metrics, and the session events the application observed. For this machine only: a
     * client that is not on loopback, or came through a proxy (a forwarding header), gets 403, as the store's
     * counts and error texts are not for the public.
     */
    @WebServlet("/ops")
    public static final class Ops extends HttpServlet {
        private static final long serialVersionUID = 1L;

        private static boolean local(HttpServletRequest req) {
            String a = req.getRemoteAddr();
            boolean loopback = a != null
                    && (a.startsWith("127.") || a.equals("::1") || a.equals("0:0:0:0:0:0:0:1") || a.equals("[::1]"));
            return loopback
                    && req.getHeader("Forwarded") == null
                    && req.getHeader("X-Forwarded-For") == null
                    && req.getHeader("X-Real-IP") == null;
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            if (!local(req)) {
                resp.sendError(HttpServletResponse.SC_FORBIDDEN, "operations page: this machine only");
                return;
            }
            Me me = Html.bean(Me.class);
            SessionHealth h = me.manager().health();
            SessionMetrics m = me.manager().stats();
            PrintWriter w = Html.begin(req, resp, "Operations");
            w.println("<p>Status <b id='status' class='status-" + h.status() + "'>" + h.status() + "</b> · store "
                    + Html.esc(h.store()) + " · active sessions <b id='active'>" + h.activeSessions() + "</b> · mode "
                    + h.mode() + " · backlog " + h.backlog() + "</p><table><thead><tr><th>Tier</th><th>Role</th>"
                    + "<th>Status</th><th>Sessions</th><th>Probe ms</th></tr></thead><tbody>");
            for (SessionHealth.Tier t : h.tiers()) {
                w.println("<tr><td>" + Html.esc(t.name()) + "</td><td>" + t.role() + "</td><td>" + t.status()
                        + "</td><td>" + t.sessions() + "</td><td>" + String.format("%.2f", t.latencyMs())
                        + "</td></tr>");
            }
            w.println("</tbody></table><h2>Metrics</h2><table><tbody>"
                    + row("Sessions created", m.getSessionsCreated()) + row("Invalidated", m.getSessionsInvalidated())
                    + row("Expired", m.getSessionsExpired()) + row("Logins", m.getSessionsAuthenticated())
                    + row("Rejected cookies", m.getTokensRejected()) + row("Near-cache hits", m.getNearCacheHits())
                    + row("Near-cache misses", m.getNearCacheMisses()) + "<tr><td>Store errors</td><td id='errors'>"
                    + Html.esc(m.getErrorsByKind()) + "</td></tr></tbody></table>");
            w.println("<h2>Session events observed (CDI)</h2><table id='events'><tbody>");
            Html.bean(EventCounter.class).snapshot().forEach((k, v) -> {
                if (k.chars().filter(c -> c == ' ').count() == 1) {
                    w.println("<tr><td>" + Html.esc(k) + "</td><td>" + v + "</td></tr>");
                }
            });
            w.println("</tbody></table>");
            Html.end(w);
        }

        private static String row(String name, long value) {
            return "<tr><td>" + name + "</td><td>" + value + "</td></tr>";
        }
    }

    /** GET /events : the CDI events observed for the caller's own session, as text (for tests and the curious). */
    @WebServlet("/events")
    public static final class Events extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String session = UnifiedSession.of(req).id();
            resp.setContentType("text/plain;charset=UTF-8");
            PrintWriter w = resp.getWriter();
            if (session == null) return;
            Html.bean(EventCounter.class).snapshot().forEach((k, v) -> {
                if (k.endsWith(" " + session)) w.println(k.substring(0, k.length() - session.length() - 1) + "=" + v);
            });
        }
    }
}
