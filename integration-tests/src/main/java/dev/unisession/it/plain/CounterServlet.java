package dev.unisession.it.plain;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;

/**
 * A plain application's servlet: counts visits in the HttpSession and knows nothing of unisession. Deployed, in the
 * distribution tests, in a WAR that holds no unisession at all until the drop-in jar is added.
 */
public class CounterServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        HttpSession s = req.getSession();
        Integer n = (Integer) s.getAttribute("count");
        n = n == null ? 1 : n + 1;
        s.setAttribute("count", n);
        resp.setContentType("text/plain");
        resp.getWriter().println("count=" + n);
        resp.getWriter().println("session=" + s.getClass().getName());
    }
}
