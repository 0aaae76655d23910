package dev.unisession.bench;

import dev.unisession.web.UnifiedSessionFilter;
import jakarta.servlet.DispatcherType;
import java.nio.file.Files;
import java.util.EnumSet;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.springframework.session.data.redis.RedisSessionRepository;
import org.springframework.session.web.http.SessionRepositoryFilter;

/** The setups the HTTP load run compares; each serves {@link BenchServlet} at /bench on a loopback port. */
final class Setups {

    private Setups() {}

    /** Starts a setup and blocks. */
    static void serve(String setup, int port, Map<String, String> unisession) throws Exception {
        switch (setup) {
            case "native":
                jetty(port, null, Map.of()).join();
                break;
            case "memory":
                jetty(port, "unisession", params(unisession, "memory")).join();
                break;
            case "tiered":
                jetty(port, "unisession", params(unisession, "tiered")).join();
                break;
            case "spring":
                jetty(port, "spring", Map.of()).join();
                break;
            case "tomcat-tiered":
                tomcat(port, params(unisession, "tiered"));
                break;
            default:
                throw new IllegalArgumentException("unknown setup " + setup);
        }
    }

    private static Map<String, String> params(Map<String, String> base, String store) {
        Map<String, String> p = new java.util.HashMap<>(base);
        p.put("unisession.store", store);
        p.put("unisession.cookie.secure", "false");
        return p;
    }

    private static Server jetty(int port, String filter, Map<String, String> params) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler(ServletContextHandler.SESSIONS);
        context.setContextPath("/");
        params.forEach(context::setInitParameter);
        if ("unisession".equals(filter)) {
            FilterHolder h = new FilterHolder(UnifiedSessionFilter.class);
            h.setName(UnifiedSessionFilter.FILTER_NAME);
            context.addFilter(h, "/*", EnumSet.of(DispatcherType.REQUEST));
        } else if ("spring".equals(filter)) {
            RedisSessionRepository repo = SpringSessionListener.repository(
                    SpringSessionListener.connect("127.0.0.1", 6379), Setups.class.getClassLoader());
            repo.setRedisKeyNamespace("bench:spring");
            context.addFilter(
                    new FilterHolder(new SessionRepositoryFilter<>(repo)), "/*", EnumSet.of(DispatcherType.REQUEST));
        }
        context.addServlet(BenchServlet.class, "/bench");
        server.setHandler(context);
        server.start();
        return server;
    }

    private static void tomcat(int port, Map<String, String> params) throws Exception {
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(Files.createTempDirectory("bench-tomcat").toString());
        tomcat.setPort(port);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        Context ctx =
                tomcat.addContext("", Files.createTempDirectory("bench-docbase").toString());
        params.forEach(ctx::addParameter);
        org.apache.tomcat.util.descriptor.web.FilterDef def = new org.apache.tomcat.util.descriptor.web.FilterDef();
        def.setFilterName(UnifiedSessionFilter.FILTER_NAME);
        def.setFilterClass(UnifiedSessionFilter.class.getName());
        ctx.addFilterDef(def);
        org.apache.tomcat.util.descriptor.web.FilterMap map = new org.apache.tomcat.util.descriptor.web.FilterMap();
        map.setFilterName(UnifiedSessionFilter.FILTER_NAME);
        map.addURLPattern("/*");
        ctx.addFilterMap(map);
        Tomcat.addServlet(ctx, "bench", new BenchServlet());
        ctx.addServletMappingDecoded("/bench", "bench");
        tomcat.start();
        tomcat.getServer().await();
    }
}
