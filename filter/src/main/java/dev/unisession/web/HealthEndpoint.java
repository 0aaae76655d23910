package dev.unisession.web;

import dev.unisession.api.SessionHealth;
import dev.unisession.api.SessionManager;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * The health endpoint ({@code unisession.health.*}): JSON about each store tier, 200 while sessions are served
 * (UP, DEGRADED), 503 when they cannot be (DOWN). Only users in the configured role may read it, and, when
 * {@code health.allow-loopback} says so, loopback clients that did not come through a proxy; others get 403. The
 * tiers are probed at most once a second however often it is asked. Answered by the filter itself, before the application sees the request; the initializer
 * also registers it as a servlet at its path, as a container answers 404 to a path no servlet maps before any
 * filter runs (embedded Tomcat without a default servlet does).
 */
final class HealthEndpoint extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private static final System.Logger LOG = System.getLogger(HealthEndpoint.class.getName());

    private final String path;
    private final String role;
    private final boolean allowLoopback;
    private final transient java.util.function.Supplier<SessionManager> manager;

    HealthEndpoint(
            String path, String role, boolean allowLoopback, java.util.function.Supplier<SessionManager> manager) {
        this.path = path;
        this.role = role;
        this.allowLoopback = allowLoopback;
        this.manager = manager;
    }

    /**
     * Whether the client may read the health: in the role, or (if allowed) a loopback client that came straight:
     * behind a reverse proxy on the same host every client's address is loopback, so a request carrying a
     * forwarding header never counts as one.
     */
    private boolean allowed(HttpServletRequest request) {
        if (allowLoopback
                && isLoopback(request.getRemoteAddr())
                && request.getHeader("Forwarded") == null
                && request.getHeader("X-Forwarded-For") == null
                && request.getHeader("X-Real-IP") == null) {
            return true;
        }
        return role != null && request.isUserInRole(role);
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        serve(req, resp);
    }

    boolean handles(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String ctx = request.getContextPath();
        return uri.length() == ctx.length() + path.length() && uri.startsWith(ctx) && uri.endsWith(path);
    }

    void serve(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setHeader("Cache-Control", "no-store");
        if (!"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod())) {
            response.setHeader("Allow", "GET, HEAD");
            response.sendError(HttpServletResponse.SC_METHOD_NOT_ALLOWED);
            return;
        }
        if (!allowed(request)) {
            LOG.log(System.Logger.Level.DEBUG, "health refused remote={0}", request.getRemoteAddr());
            response.sendError(HttpServletResponse.SC_FORBIDDEN);
            return;
        }
        SessionManager m = manager.get();
        if (m == null) {
            response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "unisession has not started");
            return;
        }
        SessionHealth h = m.health();
        byte[] body = (h.toJson() + "\n").getBytes(StandardCharsets.UTF_8);
        response.setStatus(
                h.status() == SessionHealth.Status.DOWN
                        ? HttpServletResponse.SC_SERVICE_UNAVAILABLE
                        : HttpServletResponse.SC_OK);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setContentLength(body.length);
        if (!"HEAD".equals(request.getMethod())) response.getOutputStream().write(body);
    }

    static boolean isLoopback(String address) {
        if (address == null || address.isEmpty()) return false;
        if (address.startsWith("[") && address.endsWith("]")) address = address.substring(1, address.length() - 1);
        if (address.isEmpty()) return false;
        if (address.startsWith("127.") || address.equals("::1") || address.equals("0:0:0:0:0:0:0:1")) return true;
        if (!Character.isDigit(address.charAt(0)) && address.indexOf(':') < 0) return false; // not a literal
        try {
            return InetAddress.getByName(address).isLoopbackAddress(); // a literal: no lookup
        } catch (UnknownHostException | RuntimeException e) {
            return false;
        }
    }
}
