package dev.unisession.bench;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one servlet every setup serves, plain HttpSession only: {@code seed} makes a session with three short
 * attributes, {@code read} reads them (90 % of the load), {@code write} changes one (10 %), {@code noop} touches
 * no session (the load client's own ceiling), {@code create} makes a new session with one short attribute (the
 * creation run: sent without a cookie, so every request is a new visitor). For the checking two-node client ({@link TwoNodeLoad}), each answer
 * starting with the session's id: {@code check} reads the three attributes, {@code set&name=N} sets attribute N,
 * {@code names} lists the attribute names, one a line.
 */
public final class BenchServlet extends HttpServlet {

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String op = req.getParameter("op");
        resp.setContentType("text/plain");
        if ("noop".equals(op)) {
            resp.getWriter().write("ok");
            return;
        }
        if ("create".equals(op)) {
            req.getSession().setAttribute("u", "a");
            resp.getWriter().write("created");
            return;
        }
        if ("seed".equals(op)) {
            HttpSession s = req.getSession();
            s.setAttribute("user", "user" + ThreadLocalRandom.current().nextInt(1_000_000));
            s.setAttribute("role", "member");
            s.setAttribute("visits", 1);
            resp.getWriter().write("seeded");
            return;
        }
        HttpSession s = req.getSession(false);
        if (s == null) {
            resp.setStatus(404);
            resp.getWriter().write("no session");
            return;
        }
        if ("check".equals(op)) {
            resp.getWriter()
                    .write(s.getId() + " " + s.getAttribute("user") + " " + s.getAttribute("role") + " "
                            + s.getAttribute("visits"));
            return;
        }
        if ("set".equals(op)) {
            String name = req.getParameter("name");
            s.setAttribute(name, name);
            resp.getWriter().write(s.getId());
            return;
        }
        if ("names".equals(op)) {
            StringBuilder sb = new StringBuilder(s.getId());
            for (java.util.Enumeration<String> e = s.getAttributeNames(); e.hasMoreElements(); ) {
                sb.append('\n').append(e.nextElement());
            }
            resp.getWriter().write(sb.toString());
            return;
        }
        if ("write".equals(op)) {
            s.setAttribute("visits", ThreadLocalRandom.current().nextInt(1_000_000));
        }
        resp.getWriter().write(s.getAttribute("user") + " " + s.getAttribute("role") + " " + s.getAttribute("visits"));
    }
}
