package dev.unisession.it;

import dev.unisession.store.SessionStore;
import jakarta.servlet.ServletContainerInitializer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.scan.StandardJarScanner;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** The servlet containers the suite runs on, started embedded on a loopback port. */
public enum Container {
    JETTY {
        @Override
        RunningServer start(
                Path webapp,
                Map<String, String> contextParams,
                Map<String, Object> attributes,
                Path home,
                Connectors connectors)
                throws Exception {
            Server server = new Server();
            org.eclipse.jetty.server.HttpConfiguration http = new org.eclipse.jetty.server.HttpConfiguration();
            if (connectors.forwarded()) http.addCustomizer(new org.eclipse.jetty.server.ForwardedRequestCustomizer());
            ServerConnector connector =
                    new ServerConnector(server, new org.eclipse.jetty.server.HttpConnectionFactory(http));
            connector.setHost("127.0.0.1");
            connector.setPort(0);
            server.addConnector(connector);
            ServerConnector https = null;
            if (connectors.https() != null) {
                org.eclipse.jetty.util.ssl.SslContextFactory.Server tls =
                        new org.eclipse.jetty.util.ssl.SslContextFactory.Server();
                tls.setKeyStorePath(connectors.https().keyStore().toString());
                tls.setKeyStorePassword(connectors.https().password());
                tls.setKeyStoreType("PKCS12");
                org.eclipse.jetty.server.HttpConfiguration secure =
                        new org.eclipse.jetty.server.HttpConfiguration(http);
                org.eclipse.jetty.server.SecureRequestCustomizer customizer =
                        new org.eclipse.jetty.server.SecureRequestCustomizer();
                customizer.setSniHostCheck(false); // the browser may ask for 127.0.0.1 as well as a name
                secure.addCustomizer(customizer);
                https = new ServerConnector(
                        server,
                        new org.eclipse.jetty.server.SslConnectionFactory(
                                tls, org.eclipse.jetty.http.HttpVersion.HTTP_1_1.asString()),
                        new org.eclipse.jetty.server.HttpConnectionFactory(secure));
                https.setHost("127.0.0.1");
                https.setPort(0);
                server.addConnector(https);
            }
            WebAppContext context = new WebAppContext();
            context.setContextPath("/");
            context.setWar(webapp.toString());
            context.setTempDirectory(Files.createTempDirectory("jetty-work").toFile());
            contextParams.forEach(context::setInitParameter);
            if (webapp.toString().endsWith(".war")) {
                // Tomcat is on this test JVM's class path too; a real WAR must not see it (Weld would take Jetty
                // for Tomcat).
                context.addHiddenClassMatcher(new org.eclipse.jetty.util.ClassMatcher(
                        "org.apache.catalina.",
                        "org.apache.tomcat.",
                        "org.apache.coyote.",
                        "org.apache.naming.",
                        "org.apache.juli."));
            }
            if (!attributes.isEmpty()) context.addServletContainerInitializer(initializer(attributes));
            if (home != null) { // the container's own sessions persist in files there, across restarts
                org.eclipse.jetty.session.DefaultSessionCache cache =
                        new org.eclipse.jetty.session.DefaultSessionCache(context.getSessionHandler());
                org.eclipse.jetty.session.FileSessionDataStore files =
                        new org.eclipse.jetty.session.FileSessionDataStore();
                files.setStoreDir(
                        Files.createDirectories(home.resolve("sessions")).toFile());
                cache.setSessionDataStore(files);
                context.getSessionHandler().setSessionCache(cache);
            }
            server.setHandler(context);
            server.start();
            if (context.getUnavailableException() != null) {
                server.stop();
                throw new IllegalStateException("webapp failed to start", context.getUnavailableException());
            }
            URI base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
            URI secureBase = https == null ? null : URI.create("https://127.0.0.1:" + https.getLocalPort());
            return new RunningServer(this, base, secureBase, server::stop);
        }
    },

    TOMCAT {
        @Override
        RunningServer start(
                Path webapp,
                Map<String, String> contextParams,
                Map<String, Object> attributes,
                Path home,
                Connectors connectors)
                throws Exception {
            Tomcat tomcat = new Tomcat();
            // The container's own sessions persist (StandardManager's SESSIONS.ser) in the work directory there.
            tomcat.setBaseDir((home != null ? home : Files.createTempDirectory("tomcat-base")).toString());
            tomcat.setPort(0);
            tomcat.getConnector().setProperty("address", "127.0.0.1");
            // The test app runs without the default servlet (and its JSP servlet); a real WAR gets Tomcat's defaults,
            // unpacked first as a Host with unpackWARs does (classes read from jars inside a packed WAR load slowly).
            boolean war = webapp.toString().endsWith(".war");
            tomcat.setAddDefaultWebXmlToWebapp(war);
            Context context = tomcat.addWebapp(
                    "", (war ? unpack(webapp) : webapp).toAbsolutePath().toString());
            ((StandardJarScanner) context.getJarScanner()).setScanClassPath(false);
            if (home != null) {
                org.apache.catalina.session.StandardManager manager = new org.apache.catalina.session.StandardManager();
                manager.setPathname("SESSIONS.ser");
                context.setManager(manager);
            }
            contextParams.forEach(context::addParameter);
            if (!attributes.isEmpty()) context.addServletContainerInitializer(initializer(attributes), null);
            if (connectors.forwarded()) {
                org.apache.catalina.valves.RemoteIpValve valve = new org.apache.catalina.valves.RemoteIpValve();
                valve.setRemoteIpHeader("X-Forwarded-For");
                valve.setProtocolHeader("X-Forwarded-Proto"); // the default internalProxies include 127.0.0.1
                tomcat.getHost().getPipeline().addValve(valve);
            }
            org.apache.catalina.connector.Connector https = null;
            if (connectors.https() != null) {
                https = new org.apache.catalina.connector.Connector("HTTP/1.1");
                https.setPort(0);
                https.setScheme("https");
                https.setSecure(true);
                https.setProperty("address", "127.0.0.1");
                https.setProperty("SSLEnabled", "true");
                org.apache.tomcat.util.net.SSLHostConfig tls = new org.apache.tomcat.util.net.SSLHostConfig();
                org.apache.tomcat.util.net.SSLHostConfigCertificate certificate =
                        new org.apache.tomcat.util.net.SSLHostConfigCertificate(
                                tls, org.apache.tomcat.util.net.SSLHostConfigCertificate.Type.UNDEFINED);
                certificate.setCertificateKeystoreFile(
                        connectors.https().keyStore().toString());
                certificate.setCertificateKeystorePassword(connectors.https().password());
                certificate.setCertificateKeystoreType("PKCS12");
                tls.addCertificate(certificate);
                https.addSslHostConfig(tls);
                tomcat.getService().addConnector(https);
            }
            tomcat.start();
            if (!context.getState().isAvailable()) {
                tomcat.stop();
                tomcat.destroy();
                throw new IllegalStateException("webapp failed to start: " + context.getState());
            }
            URI base = URI.create("http://127.0.0.1:" + tomcat.getConnector().getLocalPort());
            URI secureBase = https == null ? null : URI.create("https://127.0.0.1:" + https.getLocalPort());
            return new RunningServer(this, base, secureBase, () -> {
                try {
                    tomcat.stop();
                    tomcat.destroy();
                } catch (LifecycleException e) {
                    throw new IllegalStateException(e);
                }
            });
        }
    };

    /**
     * Starts the webapp directory at context path "/".
     *
     * @param store when not null, handed to the filter through {@link SessionStore#CONTEXT_ATTRIBUTE}
     */
    RunningServer start(Path webapp, Map<String, String> contextParams, SessionStore store) throws Exception {
        return start(webapp, contextParams, store, null);
    }

    /** As above; with {@code home}, the container keeps its own sessions there across a restart. */
    RunningServer start(Path webapp, Map<String, String> contextParams, SessionStore store, Path home)
            throws Exception {
        return start(
                webapp, contextParams, store == null ? Map.of() : Map.of(SessionStore.CONTEXT_ATTRIBUTE, store), home);
    }

    /** As above, with context attributes set before anything starts (a store, an audit sink). */
    RunningServer start(Path webapp, Map<String, String> contextParams, Map<String, Object> attributes, Path home)
            throws Exception {
        return start(webapp, contextParams, attributes, home, Connectors.PLAIN);
    }

    /** As above, listening as {@code connectors} say besides plain HTTP on 127.0.0.1. */
    abstract RunningServer start(
            Path webapp,
            Map<String, String> contextParams,
            Map<String, Object> attributes,
            Path home,
            Connectors connectors)
            throws Exception;

    /**
     * What a server listens with besides plain HTTP: an HTTPS connector with this certificate (null: none), and
     * whether it believes a proxy's {@code X-Forwarded-*} headers on its plain connector (Tomcat's RemoteIpValve,
     * Jetty's ForwardedRequestCustomizer).
     */
    record Connectors(TestCertificate https, boolean forwarded) {
        static final Connectors PLAIN = new Connectors(null, false);
    }

    /** Unpacks a WAR next to it. */
    static Path unpack(Path war) throws java.io.IOException {
        Path dir = Files.createTempDirectory(war.getParent(), "unpacked");
        try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(Files.newInputStream(war))) {
            for (java.util.zip.ZipEntry e; (e = in.getNextEntry()) != null; ) {
                Path to = dir.resolve(e.getName()).normalize();
                if (!to.startsWith(dir)) throw new java.io.IOException("entry outside the WAR: " + e.getName());
                if (e.isDirectory()) {
                    Files.createDirectories(to);
                } else {
                    Files.createDirectories(to.getParent());
                    Files.copy(in, to);
                }
            }
        }
        return dir;
    }

    private static ServletContainerInitializer initializer(Map<String, Object> attributes) {
        return (classes, ctx) -> attributes.forEach(ctx::setAttribute);
    }
}
