package dev.unisession.admin;

import dev.unisession.core.LegacyIds;
import dev.unisession.store.SessionDelta;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Imports the sessions another session library stored into unified sessions. Each imported session's id is
 * derived from its id there (so a second run finds it and skips it: idempotent, and resumable after an
 * interruption); expired ones are skipped; a session with an attribute that cannot be read or is not allowed
 * is skipped whole, with the reason, rather than imported with a hole in it.
 */
@Command(
        name = "migrate",
        mixinStandardHelpOptions = true,
        description = "Import existing sessions from Tomcat, Jetty or Spring Session storage.",
        footer = {
            "",
            "Sources:",
            "  tomcat-jdbc          Tomcat PersistentManager + DataSourceStore table (--table, --columns, --app)",
            "  jetty-jdbc           Jetty JDBCSessionDataStore table (--table, --app = context path)",
            "  spring-session-jdbc  Spring Session JDBC tables (--table = SPRING_SESSION)",
            "  tomcat-file          Tomcat StandardManager SESSIONS.ser, or a FileStore directory (--path)",
            "",
            "Examples:",
            "  unisession-admin migrate --from spring-session-jdbc --jdbc-url jdbc:postgresql://db/app "
                    + "--jdbc-user app --dry-run --config unisession.properties",
            "  unisession-admin migrate --from tomcat-file --path work/Catalina/localhost/app/SESSIONS.ser "
                    + "--classpath webapps/app/WEB-INF/classes --set store=jpa --set jpa.url=jdbc:h2:./data/s"
        })
final class Migrate extends AdminCli.StoreCommand {

    enum From {
        TOMCAT_JDBC,
        JETTY_JDBC,
        SPRING_SESSION_JDBC,
        TOMCAT_FILE
    }

    @Option(
            names = "--from",
            required = true,
            paramLabel = "SOURCE",
            description = "tomcat-jdbc, jetty-jdbc, spring-session-jdbc or tomcat-file.",
            converter = FromConverter.class)
    From from;

    @Option(names = "--jdbc-url", paramLabel = "URL", description = "The source database (JDBC sources).")
    String jdbcUrl;

    @Option(names = "--jdbc-user", paramLabel = "USER")
    String jdbcUser;

    @Option(
            names = "--jdbc-password-env",
            paramLabel = "VAR",
            description = "The environment variable that holds the source database's password.")
    String jdbcPasswordEnv;

    @Option(
            names = "--table",
            paramLabel = "NAME",
            description = "The source table (defaults: tomcat_sessions, JettySessions, SPRING_SESSION).")
    String table;

    @Option(
            names = "--columns",
            paramLabel = "ROLE=COLUMN",
            split = ",",
            description = "tomcat-jdbc column names "
                    + "(defaults as in Tomcat's documentation): id=session_id, data=session_data, valid=valid_session, "
                    + "app=app_name.")
    Map<String, String> columns = new LinkedHashMap<>();

    @Option(
            names = "--app",
            paramLabel = "NAME",
            description = "Only this application's sessions (tomcat-jdbc: "
                    + "app column value such as /Catalina/localhost/shop; jetty-jdbc: context path).")
    String app;

    @Option(names = "--path", paramLabel = "FILE", description = "tomcat-file: SESSIONS.ser or a FileStore directory.")
    Path path;

    @Option(names = "--dry-run", description = "Read and check everything, write nothing.")
    boolean dryRun;

    /** Counts by outcome. */
    private int read;

    private int imported;
    private final Map<String, Integer> skipped = new TreeMap<>();

    @Override
    Integer call(AdminContext admin) {
        PrintWriter err = spec.commandLine().getErr();
        try (Connection db = from == From.TOMCAT_FILE ? null : connect()) {
            SessionSource source = source(db, admin);
            int total = source.count();
            Progress progress = new Progress(err, total);
            long now = System.currentTimeMillis();
            source.read(item -> {
                read++;
                if (item.unreadable() != null) {
                    skip(item.unreadable());
                } else {
                    importOne(admin, item.session(), now);
                }
                progress.step(read);
            });
            progress.done(read);
        } catch (java.sql.SQLException | java.io.IOException e) {
            throw new IllegalStateException(
                    "cannot read the " + from.name().toLowerCase().replace('_', '-') + " source: " + e.getMessage(), e);
        }
        PrintWriter out = out();
        out.println((dryRun ? "dry run: " : "") + "read=" + read + " imported=" + imported + " skipped="
                + skipped.values().stream().mapToInt(Integer::intValue).sum());
        skipped.forEach((reason, n) -> out.println("skipped count=" + n + " reason=\"" + reason + "\""));
        return 0;
    }

    private void skip(String reason) {
        skipped.merge(reason, 1, Integer::sum);
    }

    private void importOne(AdminContext admin, LegacySession s, long now) {
        if (s.isExpired(now)) {
            skip("expired");
            return;
        }
        String id = importedId(from, s.legacyId());
        Map<String, byte[]> attrs = new LinkedHashMap<>();
        try {
            s.attributes().forEach((name, value) -> attrs.put(name, admin.codec.encode(name, value)));
        } catch (IllegalArgumentException e) {
            skip(e.getMessage());
            return;
        }
        if (dryRun) {
            if (admin.store.load(id) != null) skip("already imported");
            else imported++;
            return;
        }
        SessionDelta created = new SessionDelta(
                id,
                true,
                0,
                s.createdAt(),
                s.lastAccessedAt(),
                s.maxInactiveSeconds(),
                s.principal(),
                null,
                null,
                true,
                attrs,
                Set.of());
        if (admin.store.save(created).applied()) imported++;
        else skip("already imported");
    }

    /** The unified session id of a session imported from this source (see {@link LegacyIds}). */
    static String importedId(From from, String legacyId) {
        return LegacyIds.unifiedId(
                from.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'), legacyId);
    }

    private Connection connect() throws java.sql.SQLException {
        if (jdbcUrl == null)
            throw new IllegalArgumentException("--jdbc-url is required for --from "
                    + from.name().toLowerCase().replace('_', '-'));
        String password = null;
        if (jdbcPasswordEnv != null) {
            password = System.getenv(jdbcPasswordEnv);
            if (password == null)
                throw new IllegalArgumentException("environment variable " + jdbcPasswordEnv + " is not set");
        }
        return DriverManager.getConnection(jdbcUrl, jdbcUser, password);
    }

    private SessionSource source(Connection db, AdminContext admin) {
        switch (from) {
            case TOMCAT_JDBC: {
                Map<String, String> col = new LinkedHashMap<>(Map.of(
                        "id", "session_id", "data", "session_data", "valid", "valid_session", "app", "app_name"));
                for (String role : columns.keySet()) {
                    if (!col.containsKey(role))
                        throw new IllegalArgumentException(
                                "--columns: unknown role '" + role + "' (id, data, valid, app)");
                }
                col.putAll(columns);
                for (String c : col.values()) checkName(c);
                return new SessionSource.TomcatJdbc(
                        db, admin.codec, checkName(table == null ? "tomcat_sessions" : table), col, app);
            }
            case JETTY_JDBC:
                return new SessionSource.JettyJdbc(
                        db, admin.codec, checkName(table == null ? "JettySessions" : table), app);
            case SPRING_SESSION_JDBC:
                return new SessionSource.SpringSessionJdbc(
                        db, admin.codec, checkName(table == null ? "SPRING_SESSION" : table));
            case TOMCAT_FILE:
                if (path == null) throw new IllegalArgumentException("--path is required for --from tomcat-file");
                if (!java.nio.file.Files.exists(path)) throw new IllegalArgumentException("no such file: " + path);
                return new SessionSource.TomcatFile(path, admin.codec);
            default:
                throw new IllegalArgumentException("unknown source " + from);
        }
    }

    /** Table and column names go into SQL text: plain identifiers only. */
    private static String checkName(String name) {
        if (!name.matches("[A-Za-z_][A-Za-z0-9_$.]{0,127}")) {
            throw new IllegalArgumentException("not a plain table or column name: '" + name + "'");
        }
        return name;
    }

    /** A progress bar on the error stream: redrawn in place on a terminal, a line per tenth otherwise. */
    private static final class Progress {
        private final PrintWriter err;
        private final int total;
        private final boolean terminal = System.console() != null;
        private int lastTenth = -1;

        Progress(PrintWriter err, int total) {
            this.err = err;
            this.total = Math.max(total, 1);
        }

        void step(int done) {
            int tenth = (int) Math.min(10, done * 10L / total);
            if (terminal && done % 50 == 0) {
                draw(done, '\r');
            } else if (!terminal && tenth != lastTenth) {
                lastTenth = tenth;
                draw(done, '\n');
            }
        }

        void done(int done) {
            if (terminal) {
                draw(done, '\r');
                err.println();
            } else if (lastTenth != 10) {
                draw(done, '\n');
            }
            err.flush();
        }

        private void draw(int done, char end) {
            int width = 30;
            int filled = (int) Math.min(width, done * (long) width / total);
            String bar = "#".repeat(filled) + " ".repeat(width - filled);
            err.print((end == '\r' ? "\r" : "") + "[" + bar + "] " + done + "/" + total + (end == '\n' ? "\n" : ""));
            err.flush();
        }
    }

    /** Accepts tomcat-jdbc as well as TOMCAT_JDBC. */
    static final class FromConverter implements picocli.CommandLine.ITypeConverter<From> {
        @Override
        public From convert(String value) {
            try {
                return From.valueOf(
                        value.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(
                        "'" + value + "': expected tomcat-jdbc, jetty-jdbc, spring-session-jdbc or tomcat-file");
            }
        }
    }
}
