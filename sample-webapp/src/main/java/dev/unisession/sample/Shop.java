package dev.unisession.sample;

import dev.unisession.api.SessionMetadata;
import dev.unisession.api.UnifiedSession;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The shop funnel: landing, product, cart (a CDI session-scoped bean), login, the three-step checkout (plain
 * {@code HttpSession} attributes). Nothing here knows where sessions are stored.
 */
public final class Shop {

    static final String USER = "user";
    static final String CHECKOUT = "checkout";
    static final String ORDERS = "orders";

    private Shop() {}

    /** GET / : the products. */
    @WebServlet("")
    public static final class Home extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            PrintWriter w = Html.begin(req, resp, "Fresh fruit");
            w.println("<ul class='products'>");
            for (Catalog.Product p : Html.bean(Catalog.class).all()) {
                w.println("<li><a class='product' id='p-" + p.id() + "' href='" + req.getContextPath()
                        + "/product?id=" + p.id() + "'>" + Html.esc(p.name()) + "</a> <span class='price'>€"
                        + p.price() + "</span></li>");
            }
            w.println("</ul>");
            Html.end(w);
        }
    }

    /** GET /product?id= : one product, with "add to cart". */
    @WebServlet("/product")
    public static final class ProductPage extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            Catalog.Product p = Html.bean(Catalog.class).find(req.getParameter("id"));
            if (p == null) {
                resp.sendError(404, "No such product");
                return;
            }
            PrintWriter w = Html.begin(req, resp, p.name());
            w.println("<p>" + Html.esc(p.blurb()) + "</p><p class='price'>€" + p.price() + "</p>"
                    + "<form method='post' action='" + req.getContextPath() + "/cart'><input type='hidden' "
                    + "name='item' value='" + p.id() + "'><button id='add'>Add to cart</button></form>");
            Html.end(w);
        }
    }

    /** GET /login : the form; POST /login user=… : logs in with any name (a demo). */
    @WebServlet("/login")
    public static final class Login extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            PrintWriter w = Html.begin(req, resp, "Log in");
            String next = req.getParameter("next");
            w.println("<form method='post' class='card'><label>Name <input id='name' name='user' autofocus "
                    + "required maxlength='64'></label><input type='hidden' name='next' value='"
                    + Html.esc(next == null ? "/" : next) + "'><button id='login'>Log in</button>"
                    + "<p class='hint'>Any name will do: this is a demo.</p></form>");
            Html.end(w);
        }

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String user = req.getParameter("user");
            if (user == null || user.isBlank() || user.trim().length() > 64) {
                resp.sendError(400, "A name of 1 to 64 characters is required");
                return;
            }
            user = user.trim();
            UnifiedSession s = UnifiedSession.of(req);
            s.authenticate(user); // new session id (fixation), audit entry, PRINCIPAL_CHANGED event
            s.switchContext("personal");
            req.getSession().setAttribute(USER, user);
            SessionMetadata m = s.metadata();
            m.put(SessionMetadata.AUTH_METHOD, "password");
            m.put("device", device(req.getHeader("User-Agent")));
            m.put("ipPrefix", ipPrefix(req.getRemoteAddr()));
            String next = req.getParameter("next");
            resp.sendRedirect(req.getContextPath()
                    + (next != null && next.startsWith("/") && !next.startsWith("//") ? next : "/"));
        }

        /** A short, human name for a browser: enough to tell one's devices apart. */
        static String device(String ua) {
            if (ua == null || ua.isBlank()) return "unknown device";
            String browser = ua.contains("Edg/")
                    ? "Edge"
                    : ua.contains("Chrome/")
                            ? "Chrome"
                            : ua.contains("Firefox/")
                                    ? "Firefox"
                                    : ua.contains("Safari/")
                                            ? "Safari"
                                            : ua.startsWith("curl/")
                                                    ? "curl"
                                                    : ua.startsWith("Java-http-client") ? "Java client" : "Browser";
            String os = ua.contains("Android")
                    ? "Android"
                    : ua.contains("iPhone")
                            ? "iPhone"
                            : ua.contains("Windows")
                                    ? "Windows"
                                    : ua.contains("Mac OS") ? "macOS" : ua.contains("Linux") ? "Linux" : null;
            return os == null ? browser : browser + " on " + os;
        }

        /** The network part of an address, never the whole address. */
        static String ipPrefix(String ip) {
            if (ip == null) return "?";
            int dot = ip.lastIndexOf('.');
            if (dot > 0 && ip.indexOf(':') < 0) return ip.substring(0, dot) + ".x";
            String[] parts = ip.replace("[", "").replace("]", "").split(":");
            return parts.length >= 3 ? parts[0] + ":" + parts[1] + ":" + parts[2] + "::/48" : ip;
        }
    }

    /** POST /logout */
    @WebServlet("/logout")
    public static final class Logout extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            UnifiedSession.of(req).logout();
            resp.sendRedirect(req.getContextPath() + "/");
        }
    }

    /** GET /cart : the cart; POST /cart item=… : adds to it. */
    @WebServlet("/cart")
    public static final class CartPage extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            if (!Html.requireLogin(req, resp)) return;
            Cart cart = Html.bean(Cart.class);
            Catalog catalog = Html.bean(Catalog.class);
            PrintWriter w = Html.begin(req, resp, "Your cart");
            if (cart.items().isEmpty()) {
                w.println("<p id='empty'>Your cart is empty. <a href='" + req.getContextPath() + "/'>Browse the "
                        + "fruit</a>.</p>");
            } else {
                int total = 0;
                w.println("<ul id='items'>");
                for (String item : cart.items()) {
                    Catalog.Product p = catalog.find(item);
                    total += p == null ? 0 : p.cents();
                    w.println("<li class='item'>" + Html.esc(item) + "</li>");
                }
                w.println("</ul><p class='total'>Total <b id='total'>€"
                        + String.format("%d.%02d", total / 100, total % 100)
                        + "</b></p><p><a class='button' id='checkout' href='" + req.getContextPath()
                        + "/checkout'>Check out</a></p>");
            }
            @SuppressWarnings("unchecked")
            List<String> orders = (List<String>) req.getSession().getAttribute(ORDERS);
            if (orders != null) {
                w.println("<h2>Orders</h2><ul id='orders'>");
                for (String o : orders) w.println("<li class='order'>" + Html.esc(o) + "</li>");
                w.println("</ul>");
            }
            Html.end(w);
        }

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            if (!Html.requireLogin(req, resp)) return;
            String item = req.getParameter("item");
            if (Html.bean(Catalog.class).find(item) == null) {
                resp.sendError(400, "Unknown product");
                return;
            }
            Html.bean(Cart.class).add(item); // the session-scoped bean, changed in place
            resp.sendRedirect(req.getContextPath() + "/cart");
        }
    }

    /** GET/POST /checkout : address, payment, confirmation (plain HttpSession attributes). */
    @WebServlet("/checkout")
    public static final class CheckoutPage extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            if (!Html.requireLogin(req, resp)) return;
            HttpSession s = req.getSession();
            Cart cart = Html.bean(Cart.class);
            Checkout co = (Checkout) s.getAttribute(CHECKOUT);
            if (co == null) co = new Checkout();
            PrintWriter w = Html.begin(req, resp, "Checkout");
            if (cart.items().isEmpty()) {
                w.println("<p id='empty'>Nothing to check out.</p>");
                Html.end(w);
                return;
            }
            w.println("<ol class='steps'>");
            for (Checkout.Step step : Checkout.Step.values()) {
                w.println("<li" + (step == co.step() ? " class='current'" : "") + ">"
                        + step.name().charAt(0) + step.name().substring(1).toLowerCase() + "</li>");
            }
            w.println("</ol><p id='step'>Step: " + co.step() + "</p><form method='post' class='card'>");
            switch (co.step()) {
                case ADDRESS:
                    w.println("<label>Address <input id='address' name='address' required></label>");
                    break;
                case PAYMENT:
                    w.println("<p>Ship to " + Html.esc(co.address()) + "</p><label>Card <input id='card' "
                            + "name='card' required></label>");
                    break;
                default:
                    w.println("<p id='summary'>" + Html.esc(cart.items()) + " to " + Html.esc(co.address())
                            + ", card ending " + Html.esc(co.cardLast4()) + "</p>"
                            + "<input type='hidden' name='confirm' value='yes'>");
            }
            w.println("<button id='continue'>" + (co.step() == Checkout.Step.CONFIRM ? "Place order" : "Continue")
                    + "</button></form>");
            Html.end(w);
        }

        @Override
        @SuppressWarnings("unchecked")
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            if (!Html.requireLogin(req, resp)) return;
            HttpSession s = req.getSession();
            Cart cart = Html.bean(Cart.class);
            if (cart.items().isEmpty()) {
                resp.sendRedirect(req.getContextPath() + "/cart");
                return;
            }
            Checkout co = (Checkout) s.getAttribute(CHECKOUT);
            if (co == null) {
                co = new Checkout();
                s.setAttribute(CHECKOUT, co);
            }
            String address = req.getParameter("address");
            String card = req.getParameter("card");
            switch (co.step()) {
                case ADDRESS:
                    if (address == null || address.isBlank() || address.length() > 200) {
                        resp.sendError(400, "An address is required");
                        return;
                    }
                    co.address(address.trim());
                    break;
                case PAYMENT:
                    if (card == null || card.replaceAll("\\D", "").length() < 4 || card.length() > 40) {
                        resp.sendError(400, "A card number is required");
                        return;
                    }
                    co.payment(card);
                    break;
                default:
                    if (!"yes".equals(req.getParameter("confirm"))) {
                        co.back();
                        break;
                    }
                    List<String> orders = (List<String>) s.getAttribute(ORDERS);
                    if (orders == null) {
                        orders = new ArrayList<>();
                        s.setAttribute(ORDERS, orders);
                    }
                    orders.add(cart.items() + " to " + co.address());
                    cart.clear();
                    s.removeAttribute(CHECKOUT);
                    resp.sendRedirect(req.getContextPath() + "/cart");
                    return;
            }
            resp.sendRedirect(req.getContextPath() + "/checkout");
        }
    }
}
