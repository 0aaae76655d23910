package dev.unisession.testing;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Real local servers the tests use. In CI ({@code CI} set) a missing server fails the test loudly; elsewhere the
 * test is skipped with a message saying what to start.
 */
public final class Services {

    public static final int REDIS_PORT = 6379;

    private Services() {}

    public static boolean inCi() {
        String ci = System.getenv("CI");
        return ci != null && !ci.isEmpty() && !ci.equalsIgnoreCase("false");
    }

    /** The shared local Redis at 127.0.0.1:6379, or a skip/failure. */
    public static String redisUrl() {
        if (!new Resp(REDIS_PORT).ping())
            unavailable(
                    "Redis at 127.0.0.1:" + REDIS_PORT,
                    "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no");
        return "redis://127.0.0.1:" + REDIS_PORT;
    }

    public static final String POSTGRES_URL = "jdbc:postgresql://127.0.0.1:5432/test";
    public static final String MARIADB_URL = "jdbc:mariadb://127.0.0.1:3306/test";

    /** The local PostgreSQL's JDBC URL (database test, trust auth), or a skip/failure. */
    public static String postgresUrl() {
        if (!listening(5432))
            unavailable(
                    "PostgreSQL at 127.0.0.1:5432",
                    "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start");
        return POSTGRES_URL;
    }

    /** The local MariaDB's JDBC URL (database test, root without password), or a skip/failure. */
    public static String mariadbUrl() {
        if (!listening(3306))
            unavailable(
                    "MariaDB at 127.0.0.1:3306",
                    "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd");
        return MARIADB_URL;
    }

    private static boolean listening(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** The redis-server binary for private servers, or a skip/failure. */
    public static String redisServerBinary() {
        for (String p : new String[] {"/usr/bin/redis-server", "/usr/local/bin/redis-server"}) {
            if (new java.io.File(p).canExecute()) return p;
        }
        unavailable("the redis-server binary", "apt-get install -y redis-server");
        return null;
    }

    /** Fails the test in CI (CI set), skips it elsewhere, saying how to get what is missing. */
    public static void unavailable(String what, String howToStart) {
        String msg = what + " is not available; start it with: " + howToStart;
        if (inCi()) Assertions.fail("CI needs " + msg);
        Assumptions.abort(msg + " (skipped outside CI)");
    }
}
