package dev.unisession.it.plain;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * An application that brings its own Jackson and Netty (other versions than unisession's) and uses them: it reports
 * the versions it got, so a test can tell that its own copies, not unisession's, serve it.
 */
public class ClashServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("text/plain");
        try {
            Class<?> mapperType = Class.forName("com.fasterxml.jackson.databind.ObjectMapper");
            Object mapper = mapperType.getConstructor().newInstance();
            String json = (String)
                    mapperType.getMethod("writeValueAsString", Object.class).invoke(mapper, Map.of("ok", true));
            Object version = Class.forName("com.fasterxml.jackson.databind.cfg.PackageVersion")
                    .getField("VERSION")
                    .get(null);
            io.netty.buffer.ByteBuf buf = io.netty.buffer.Unpooled.copiedBuffer(json, StandardCharsets.UTF_8);
            String netty = io.netty.util.Version.identify(ClashServlet.class.getClassLoader())
                    .get("netty-buffer")
                    .artifactVersion();
            resp.getWriter().println("json=" + buf.toString(StandardCharsets.UTF_8));
            resp.getWriter().println("jackson=" + version);
            resp.getWriter().println("netty=" + netty);
            buf.release();
        } catch (ReflectiveOperationException e) {
            throw new IOException(e);
        }
    }
}
