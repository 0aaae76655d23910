package dev.unisession.sample;

import dev.unisession.api.UnifiedSession;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;

/** The page frame (header, navigation, who is logged in, in which context) and HTML escaping. */
final class Html {

    private Html() {}

    static String esc(Object o) {
        String s = String.valueOf(o);
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<':
                    b.append("&lt;");
                    break;
                case '>':
                    b.append("&gt;");
                    break;
                case '&':
                    b.append("&amp;");
                    break;
                case '"':
                    b.append("&quot;");
                    break;
                case '\'':
                    b.append("&#39;");
                    break;
                default:
                    b.append(c);
            }
        }
        return b.toString();
    }

    static <T> T bean(Class<T> type) {
        return CDI.current().select(type).get();
    }

    /** Starts a page; the caller writes the body and calls {@link #end}. */
    static PrintWriter begin(HttpServletRequest req, HttpServletResponse resp, String title) throws IOException {
        resp.setContentType("text/html;charset=UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        PrintWriter w = resp.getWriter();
        UnifiedSession s = UnifiedSession.of(req);
        String user = s.principal();
        String c = req.getContextPath();
        int items = user == null ? 0 : bean(Cart.class).items().size();
        w.println("<!doctype html><html lang='en'><head><meta charset='utf-8'><meta name='viewport' "
                + "content='width=device-width, initial-scale=1'><title>" + esc(title) + " · Orchard</title>"
                + "<link rel='stylesheet' href='" + c + "/style.css'></head><body>");
        w.println("<header><a class='brand' href='" + c + "/'>Orchard</a><nav>"
                + "<a href='" + c + "/'>Products</a><a href='" + c + "/cart'>Cart <span id='count'>" + items
                + "</span></a><a href='" + c + "/checkout'>Checkout</a>"
                + (user == null
                        ? "<a href='" + c + "/login'>Log in</a>"
                        : "<a href='" + c + "/sessions'>Your sessions</a><a href='" + c + "/account'>Accounts</a>")
                + "<a href='" + c + "/ops'>Ops</a></nav>"
                + (user == null
                        ? ""
                        : "<div class='who'>Logged in as <b id='user'>" + esc(user) + "</b>"
                                + (s.context() == null ? "" : " in <b id='context'>" + esc(s.context()) + "</b>")
                                + " <form method='post' action='" + c
                                + "/logout'><button>Log out</button></form></div>")
                + "</header><main><h1>" + esc(title) + "</h1>");
        return w;
    }

    static void end(PrintWriter w) {
        w.println("</main><footer>Sessions by unisession: one unified session "
                + "behind a signed cookie.</footer></body></html>");
    }

    /** Sends to the login page unless someone is logged in. */
    static boolean requireLogin(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (UnifiedSession.of(req).principal() != null) return true;
        resp.sendRedirect(req.getContextPath() + "/login?next="
                + java.net.URLEncoder.encode(
                        req.getRequestURI().substring(req.getContextPath().length()),
                        java.nio.charset.StandardCharsets.UTF_8));
        return false;
    }
}
