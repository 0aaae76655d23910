package dev.unisession.sample;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;
import java.io.PrintWriter;

/** Tiny HTML helpers for the sample pages. */
final class Html {

    private Html() {
    }

    static String esc(Object o) {
        String s = String.valueOf(o);
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<': b.append("&lt;"); break;
                case '>': b.append("&gt;"); break;
                case '&': b.append("&amp;"); break;
                case '"': b.append("&quot;"); break;
                case '\'': b.append("&#39;"); break;
                default: b.append(c);
            }
        }
        return b.toString();
    }

    /** Starts a page with a header showing who is logged in; the caller writes the body and calls {@link #end}. */
    static PrintWriter begin(HttpServletRequest req, HttpServletResponse resp, String title) throws IOException {
        resp.setContentType("text/html;charset=UTF-8");
        PrintWriter w = resp.getWriter();
        HttpSession s = req.getSession(false);
        Object user = s == null ? null : s.getAttribute(Shop.USER);
        String ctx = req.getContextPath();
        w.println("<!doctype html><html><head><meta charset='utf-8'><title>" + esc(title) + "</title></head><body>");
        w.println("<nav><a href='" + ctx + "/'>Shop</a> | <a href='" + ctx + "/cart'>Cart</a> | <a href='" + ctx
                + "/checkout'>Checkout</a> | "
                + (user == null ? "<a href='" + ctx + "/login'>Log in</a>"
                        : "Logged in as <b id='user'>" + esc(user) + "</b> <form method='post' action='" + ctx
                        + "/logout' style='display:inline'><button>Log out</button></form>")
                + "</nav><h1>" + esc(title) + "</h1>");
        return w;
    }

    static void end(PrintWriter w) {
        w.println("</body></html>");
    }
}
