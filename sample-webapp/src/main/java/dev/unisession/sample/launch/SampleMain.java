package dev.unisession.sample.launch;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Runs the sample shop: deploys {@code unisession-sample-webapp.war} (built next to this jar) on embedded Jetty 12, exactly
 * as it would run on any server.
 *
 * <p>Embedded default: sessions in memory, written behind to an H2 file under {@code DATA_DIR} (default
 * {@code ./data}), so they survive a restart with no server to install. With {@code REDIS_URL} set the store is
 * tiered (Redis + the database); {@code DATABASE_URL} (a JDBC URL) replaces H2. The cookie signing key is read
 * from {@code DATA_DIR/token.key}, made on first start. Port from {@code PORT} (default 8080), address from
 * {@code HOST} (default 127.0.0.1). Any {@code unisession.*} system property or {@code UNISESSION_*} variable
 * overrides these defaults.
 */
public final class SampleMain {

    private static final System.Logger LOG = System.getLogger(SampleMain.class.getName());
    static final String WAR = "unisession-sample-webapp.war";

    private SampleMain() {}

    public static void main(String[] args) throws Exception {
        embeddedDefaults(Path.of(System.getenv().getOrDefault("DATA_DIR", "data")));
        Server server = start(System.getenv().getOrDefault("HOST", "127.0.0.1"), port(), war());
        LOG.log(System.Logger.Level.INFO, "unisession sample shop on {0}", server.getURI());
        server.join();
    }

    /** The WAR next to this jar (or WAR_FILE). */
    static Path war() throws URISyntaxException {
        String given = System.getenv("WAR_FILE");
        if (given != null) return Path.of(given);
        Path jar = Path.of(SampleMain.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        Path war = (Files.isDirectory(jar) ? jar.getParent() : jar.resolveSibling("."))
                .resolve(WAR)
                .normalize();
        if (!Files.isRegularFile(war)) {
            throw new IllegalStateException("The sample WAR is missing: " + war + " (build it with mvn package)");
        }
        return war;
    }

    /** Sets the sample's defaults as system properties, unless the user set the key already. */
    static void embeddedDefaults(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        String redis = System.getenv("REDIS_URL");
        String database = System.getenv("DATABASE_URL");
        setDefault("unisession.store", redis != null ? "tiered" : "memory-jpa");
        if (redis != null) setDefault("unisession.redis.url", redis);
        setDefault(
                "unisession.jpa.url",
                database != null
                        ? database
                        : "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("sessions"));
        setDefault("unisession.health.enabled", "true");
        setDefault("unisession.health.allow-loopback", "true"); // the demo on this machine; never behind a proxy
        if (!isSet("unisession.token.keys")) {
            System.setProperty("unisession.token.keys", "sample:" + tokenKey(dataDir.resolve("token.key")));
        }
    }

    private static boolean isSet(String key) {
        return System.getProperty(key) != null
                || System.getenv(key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_')) != null;
    }

    private static void setDefault(String key, String value) {
        if (!isSet(key)) System.setProperty(key, value);
    }

    /** The sample's signing key: random, made once, kept readable by the owner only. */
    private static String tokenKey(Path file) throws IOException {
        if (Files.exists(file)) return Files.readString(file).trim();
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        String encoded = Base64.getEncoder().encodeToString(secret);
        Files.writeString(file, encoded + "\n");
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
        return encoded;
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

    /** Starts the shop from the WAR; port 0 picks a free port. */
    public static Server start(String host, int port, Path war) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        WebAppContext app = new WebAppContext();
        app.setContextPath("/");
        app.setWar(war.toAbsolutePath().toString());
        app.setTempDirectory(Files.createTempDirectory("unisession-sample").toFile());
        // On SIGTERM, requests under way finish before the application stops (late ones get 503, which balancers
        // retry elsewhere), instead of failing when the application is torn down under them.
        org.eclipse.jetty.server.handler.GracefulHandler graceful =
                new org.eclipse.jetty.server.handler.GracefulHandler();
        graceful.setHandler(app);
        server.setHandler(graceful);
        server.setStopTimeout(10_000);
        // The port opens once the application is ready: opened early (Jetty's default), a starting node queues the
        // connections a balancer sends it, and runs those requests when it is up, long after the balancer gave up on
        // them and sent them elsewhere (a late duplicate; unisession refuses its change with 409 if the session has
        // moved on, but a closed port is simpler for everyone: refused at once, tried on the next node).
        server.setOpenEarly(false);
        server.setStopAtShutdown(true);
        server.start();
        if (!app.isAvailable()) {
            server.stop();
            throw new IllegalStateException(
                    "The sample did not deploy; see the log above", app.getUnavailableException());
        }
        return server;
    }
}
