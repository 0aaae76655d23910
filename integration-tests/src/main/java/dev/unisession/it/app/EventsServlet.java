package dev.unisession.it.app;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** GET: the event log, one event a line; ?clear=1 empties it. Never touches the session. */
@WebServlet("/events")
public class EventsServlet extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("text/plain;charset=UTF-8");
        if (req.getParameter("clear") != null) {
            EventLog.clear();
            return;
        }
        for (String e : EventLog.snapshot()) resp.getWriter().println(e);
    }
}
