package dev.unisession.sample;

import dev.unisession.web.UnifiedSessionFilter;

import jakarta.servlet.DispatcherType;

import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.util.EnumSet;

/**
 * Runs the sample shop on embedded Jetty with the unisession filter in front of it, on the embedded default store.
 * Port from {@code PORT} (default 8080), address from {@code HOST} (default 127.0.0.1). Sample settings live in
 * {@code unisession.properties}; system properties and {@code UNISESSION_*} variables override them.
 */
public final class SampleMain {

    private static final System.Logger LOG = System.getLogger(SampleMain.class.getName());

    private SampleMain() {
    }

    public static void main(String[] args) throws Exception {
        Server server = start(System.getenv().getOrDefault("HOST", "127.0.0.1"), port());
        LOG.log(System.Logger.Level.INFO, "unisession sample shop on {0}", server.getURI());
        server.join();
    }

    private static int port() {
        String p = System.getenv().getOrDefault("PORT", "8080");
        try {
            int port = Integer.parseInt(p);
            if (port < 0 || port > 65535) throw new NumberFormatException();
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("PORT must be a port number (0-65535), got '" + p + "'");
        }
    }

    /** Starts the shop; port 0 picks a free port. */
    public static Server start(String host, int port) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);

        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        FilterHolder unisession = new FilterHolder(UnifiedSessionFilter.class);
        unisession.setName(UnifiedSessionFilter.FILTER_NAME);
        unisession.setAsyncSupported(true);
        context.addFilter(unisession, "/*", EnumSet.allOf(DispatcherType.class));
        context.addServlet(Shop.Home.class, "");
        context.addServlet(Shop.Login.class, "/login");
        context.addServlet(Shop.Logout.class, "/logout");
        context.addServlet(Shop.CartPage.class, "/cart");
        context.addServlet(Shop.CheckoutPage.class, "/checkout");
        server.setHandler(context);
        server.setStopAtShutdown(true);
        server.start();
        return server;
    }
}
