package dev.unisession.sample;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;

/**
 * The sample shop. It uses nothing but the plain Servlet HttpSession API; the unisession filter in front of it
 * makes those sessions unified ones.
 */
public final class Shop {

    static final String USER = "user";
    static final String CART = "cart";
    static final String CHECKOUT = "checkout";
    static final String ORDERS = "orders";
    static final List<String> PRODUCTS = List.of("apple", "pear", "plum", "cherry");

    private Shop() {
    }

    static boolean requireLogin(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        HttpSession s = req.getSession(false);
        if (s != null && s.getAttribute(USER) != null) return true;
        resp.sendRedirect(req.getContextPath() + "/login");
        return false;
    }

    /** GET / : the product list. */
    public static final class Home extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            PrintWriter w = Html.begin(req, resp, "Shop");
            w.println("<ul>");
            for (String p : PRODUCTS) {
                w.println("<li>" + Html.esc(p) + " <form method='post' action='" + req.getContextPath()
                        + "/cart' style='display:inline'><input type='hidden' name='item' value='" + Html.esc(p)
                        + "'><button>Add to cart</button></form></li>");
            }
            w.println("</ul>");
            Html.end(w);
        }
    }

    /** GET /login : the form; POST /login : logs in with any non-empty name. */
    public static final class Login extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            PrintWriter w = Html.begin(req, resp, "Log in");
            w.println("<form method='post'><label>Name <input name='user' autofocus></label>"
                    + " <button>Log in</button></form>");
            Html.end(w);
        }

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String user = req.getParameter("user");
            if (user == null || user.isBlank() || user.length() > 64) {
                resp.sendError(400, "A name of 1 to 64 characters is required");
                return;
            }
            HttpSession s = req.getSession();
            req.changeSessionId(); // session fixation defence, as any careful app does at login
            s.setAttribute(USER, user.trim());
            resp.sendRedirect(req.getContextPath() + "/");
        }
    }

    /** POST /logout */
    public static final class Logout extends HttpServlet {
        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            HttpSession s = req.getSession(false);
            if (s != null) s.invalidate();
            resp.sendRedirect(req.getContextPath() + "/");
        }
    }

    /** GET /cart : the cart; POST /cart item=x : adds to it (changing the stored Cart in place). */
    public static final class CartPage extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            if (!requireLogin(req, resp)) return;
            Cart cart = (Cart) req.getSession().getAttribute(CART);
            PrintWriter w = Html.begin(req, resp, "Cart");
            if (cart == null || cart.items().isEmpty()) {
                w.println("<p id='empty'>Your cart is empty.</p>");
            } else {
                w.println("<ul id='items'>");
                for (String item : cart.items()) w.println("<li class='item'>" + Html.esc(item) + "</li>");
                w.println("</ul><p><a href='" + req.getContextPath() + "/checkout'>Check out</a></p>");
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
            if (!requireLogin(req, resp)) return;
            String item = req.getParameter("item");
            if (item == null || !PRODUCTS.contains(item)) {
                resp.sendError(400, "Unknown product");
                return;
            }
            HttpSession s = req.getSession();
            Cart cart = (Cart) s.getAttribute(CART);
            if (cart == null) {
                cart = new Cart();
                s.setAttribute(CART, cart);
            }
            cart.add(item); // in place: no setAttribute needed
            resp.sendRedirect(req.getContextPath() + "/cart");
        }
    }

    /** GET/POST /checkout : address, payment, confirm. */
    public static final class CheckoutPage extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            if (!requireLogin(req, resp)) return;
            HttpSession s = req.getSession();
            Cart cart = (Cart) s.getAttribute(CART);
            Checkout co = (Checkout) s.getAttribute(CHECKOUT);
            if (co == null) co = new Checkout();
            PrintWriter w = Html.begin(req, resp, "Checkout");
            if (cart == null || cart.items().isEmpty()) {
                w.println("<p id='empty'>Nothing to check out.</p>");
                Html.end(w);
                return;
            }
            w.println("<p id='step'>Step: " + co.step() + "</p><form method='post'>");
            switch (co.step()) {
                case ADDRESS:
                    w.println("<label>Address <input name='address'></label>");
                    break;
                case PAYMENT:
                    w.println("<p>Ship to " + Html.esc(co.address()) + "</p><label>Card <input name='card'></label>");
                    break;
                default:
                    w.println("<p id='summary'>" + Html.esc(cart.items()) + " to " + Html.esc(co.address())
                            + ", card ending " + Html.esc(co.cardLast4()) + "</p>"
                            + "<input type='hidden' name='confirm' value='yes'>");
            }
            w.println("<button>Continue</button></form>");
            Html.end(w);
        }

        @Override
        @SuppressWarnings("unchecked")
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            if (!requireLogin(req, resp)) return;
            HttpSession s = req.getSession();
            Cart cart = (Cart) s.getAttribute(CART);
            if (cart == null || cart.items().isEmpty()) {
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
                    if (address == null || address.isBlank()) {
                        resp.sendError(400, "An address is required");
                        return;
                    }
                    co.address(address.trim());
                    break;
                case PAYMENT:
                    if (card == null || card.replaceAll("\\D", "").length() < 4) {
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
                        orders = new java.util.ArrayList<>();
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
