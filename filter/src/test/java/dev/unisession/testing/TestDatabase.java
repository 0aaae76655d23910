package dev.unisession.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A database of the test's own on the local server (PostgreSQL or MariaDB) or in H2 memory, dropped on close.
 * PostgreSQL ones can be made unreachable and reachable again without touching the shared server.
 */
public final class TestDatabase implements AutoCloseable {

    public enum Kind {
        H2,
        POSTGRES,
        MARIADB
    }

    private final Kind kind;
    private final String name;
    private final String url;

    private TestDatabase(Kind kind) {
        this.kind = kind;
        this.name = "us_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        switch (kind) {
            case POSTGRES: {
                String admin = Services.postgresUrl();
                exec(admin, "postgres", "CREATE DATABASE " + name);
                this.url = admin.replace("/test", "/" + name);
                break;
            }
            case MARIADB: {
                String admin = Services.mariadbUrl();
                exec(admin, "root", "CREATE DATABASE " + name);
                this.url = admin.replace("/test", "/" + name);
                break;
            }
            default:
                this.url = "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1";
        }
    }

    public static TestDatabase create(Kind kind) {
        return new TestDatabase(kind);
    }

    public String url() {
        return url;
    }

    public Kind kind() {
        return kind;
    }

    public String user() {
        return kind == Kind.POSTGRES ? "postgres" : kind == Kind.MARIADB ? "root" : "sa";
    }

    /** Runs statements (separated by ';') on this database. */
    public void run(String sql) {
        for (String stmt : sql.replaceAll("(?m)^--.*$", "").split(";")) {
            if (!stmt.isBlank()) exec(url, user(), stmt);
        }
    }

    /** PostgreSQL only: refuses new connections and ends the open ones. */
    public void cutConnections() {
        String admin = Services.POSTGRES_URL;
        exec(admin, "postgres", "ALTER DATABASE " + name + " ALLOW_CONNECTIONS false");
        exec(
                admin,
                "postgres",
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name
                        + "' AND pid <> pg_backend_pid()");
    }

    /** PostgreSQL only: accepts connections again. */
    public void restoreConnections() {
        exec(Services.POSTGRES_URL, "postgres", "ALTER DATABASE " + name + " ALLOW_CONNECTIONS true");
    }

    private static void exec(String url, String user, String sql) {
        try (Connection c = DriverManager.getConnection(url, user, "");
                Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        switch (kind) {
            case POSTGRES:
                restoreConnections();
                exec(Services.POSTGRES_URL, "postgres", "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
                break;
            case MARIADB:
                exec(Services.MARIADB_URL, "root", "DROP DATABASE IF EXISTS " + name);
                break;
            default:
                exec(url, "sa", "SHUTDOWN");
        }
    }
}
