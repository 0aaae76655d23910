package dev.unisession.admin;

import dev.unisession.api.SessionHealth;
import dev.unisession.api.SessionInfo;
import dev.unisession.api.SessionMetrics;
import dev.unisession.api.SessionPage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code unisession-admin}: the sessions of a unisession store from the command line, through the same
 * {@code SessionManager} the filter uses. Exit codes: 0 done, 1 the operation failed (a store unreachable, an
 * erasure incomplete), 2 bad usage.
 */
@Command(
        name = "unisession-admin",
        mixinStandardHelpOptions = true,
        version = "unisession-admin 0.1.0",
        description = "Administer unified sessions: stats, list, purge, GDPR export/erase, cleanup, migrate.",
        subcommands = {
            AdminCli.Stats.class,
            AdminCli.ListSessions.class,
            AdminCli.PurgeUser.class,
            AdminCli.ExportUser.class,
            AdminCli.EraseUser.class,
            AdminCli.CleanupExpired.class,
            Migrate.class,
            CommandLine.HelpCommand.class
        },
        footer = {
            "",
            "Settings come from --set/--config, then system properties unisession.*, environment "
                    + "variables UNISESSION_*, then unisession.properties on the class path (as for the filter).",
            "Exit codes: 0 done, 1 failed, 2 bad usage."
        })
public final class AdminCli implements Runnable {

    static final int FAILED = 1;

    @Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs a command line; returns its exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new AdminCli());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException) {
                cmd.getErr().println("error: " + e.getMessage());
                return CommandLine.ExitCode.USAGE;
            }
            cmd.getErr().println("failed: " + e.getMessage());
            return FAILED;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The options every command shares: where the settings and the application's classes are. */
    static final class Store {
        @Option(names = "--config", paramLabel = "FILE", description = "A properties file of unisession.* settings.")
        Path config;

        @Option(
                names = "--set",
                paramLabel = "KEY=VALUE",
                description = "A setting, e.g. --set store=tiered --set jpa.url=jdbc:postgresql://db/app "
                        + "(the unisession. prefix is optional). Repeatable; wins over every other source.")
        List<String> settings = new ArrayList<>();

        @Option(
                names = "--classpath",
                paramLabel = "PATH",
                split = ":",
                description = "The application's classes (directories, trusted like WEB-INF/classes) and jars "
                        + "(loadable; allow their classes with codec.allow), to read attribute values.")
        List<Path> classpath = new ArrayList<>();

        AdminContext open() {
            return AdminContext.open(config, settings, classpath);
        }
    }

    /** A command over the configured store. */
    abstract static class StoreCommand implements Callable<Integer> {
        @Mixin
        Store store;

        @Spec
        CommandLine.Model.CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        @Override
        public Integer call() {
            try (AdminContext admin = store.open()) {
                return call(admin);
            }
        }

        abstract Integer call(AdminContext admin);
    }

    @Command(
            name = "stats",
            mixinStandardHelpOptions = true,
            description = "Store health, active sessions per tier and tier latency.",
            footer = {"", "Example: unisession-admin stats --set store=tiered --set jpa.url=jdbc:h2:./data/sessions"})
    static final class Stats extends StoreCommand {
        @Override
        Integer call(AdminContext admin) {
            SessionHealth h = admin.manager.health();
            SessionMetrics m = admin.manager.stats();
            PrintWriter out = out();
            out.println("status=" + h.status() + " store=" + h.store() + " activeSessions=" + h.activeSessions()
                    + " mode=" + h.mode() + " backlog=" + h.backlog());
            for (SessionHealth.Tier t : h.tiers()) {
                out.println("tier=" + t.name() + " role=" + t.role() + " status=" + t.status() + " sessions="
                        + t.sessions() + String.format(java.util.Locale.ROOT, " latencyMs=%.3f", t.latencyMs())
                        + (t.error() == null ? "" : " error=\"" + t.error() + "\""));
            }
            m.getTierCalls()
                    .forEach((tier, calls) -> out.println("latency tier=" + tier + " calls=" + calls
                            + " meanUs=" + m.getTierLatencyMeanMicros().get(tier) + " p99Us="
                            + m.getTierLatencyP99Micros().get(tier)));
            return h.status() == SessionHealth.Status.DOWN ? FAILED : 0;
        }
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List live sessions, one per line, paged through the whole store.",
            footer = {
                "",
                "Examples:",
                "  unisession-admin list --user alice",
                "  unisession-admin list --idle 2h --limit 100"
            })
    static final class ListSessions extends StoreCommand {
        @Option(names = "--user", paramLabel = "PRINCIPAL", description = "Only this principal's sessions.")
        String user;

        @Option(
                names = "--idle",
                paramLabel = "DURATION",
                description = "Only sessions idle at least this long (ISO-8601 like PT2H, or 90s, 15m, 2h, 1d).",
                converter = DurationConverter.class)
        Duration idle = Duration.ZERO;

        @Option(names = "--limit", description = "At most this many lines (default: all).")
        int limit = Integer.MAX_VALUE;

        @Override
        Integer call(AdminContext admin) {
            if (limit < 1) throw new IllegalArgumentException("--limit must be at least 1");
            int shown = 0;
            if (user != null) {
                for (SessionInfo s : admin.manager.sessionsOf(user)) {
                    if (shown >= limit) break;
                    if (Duration.between(s.lastAccessedAt(), java.time.Instant.now())
                                    .compareTo(idle)
                            < 0) continue;
                    print(s);
                    shown++;
                }
            } else {
                String cursor = null;
                do {
                    SessionPage page = admin.manager.list(cursor, 500, idle);
                    for (SessionInfo s : page.sessions()) {
                        if (shown >= limit) break;
                        print(s);
                        shown++;
                    }
                    cursor = page.next();
                } while (cursor != null && shown < limit);
            }
            out().println("# " + shown + " sessions");
            return 0;
        }

        private void print(SessionInfo s) {
            out().println("id=" + s.id() + " principal=" + s.principal() + " context=" + s.context() + " created="
                    + s.createdAt() + " lastAccessed=" + s.lastAccessedAt() + " expires=" + s.expiresAt()
                    + " attributes=" + s.attributeNames().size() + " bytes=" + s.bytes());
        }
    }

    @Command(
            name = "purge-user",
            mixinStandardHelpOptions = true,
            description = "End every session of a principal (log them out everywhere), except --keep.",
            footer = {"", "Example: unisession-admin purge-user alice --keep 3q2-Vb9Xk0m8pXQxkQf1JQ"})
    static final class PurgeUser extends StoreCommand {
        @Parameters(index = "0", paramLabel = "PRINCIPAL")
        String user;

        @Option(names = "--keep", paramLabel = "ID", description = "A session id to leave alone.")
        String keep;

        @Override
        Integer call(AdminContext admin) {
            out().println("ended=" + admin.manager.invalidateAllOf(user, keep));
            return 0;
        }
    }

    @Command(
            name = "export-user",
            mixinStandardHelpOptions = true,
            description = "Print everything stored for a principal's sessions as JSON (GDPR access).",
            footer = {"", "Example: unisession-admin export-user alice --classpath app/WEB-INF/classes > alice.json"})
    static final class ExportUser extends StoreCommand {
        @Parameters(index = "0", paramLabel = "PRINCIPAL")
        String user;

        @Override
        Integer call(AdminContext admin) {
            out().println(admin.manager.exportOf(user));
            return 0;
        }
    }

    @Command(
            name = "erase-user",
            mixinStandardHelpOptions = true,
            description = "Remove every trace of a principal from every tier and from the audit sink "
                    + "(GDPR erasure). Fails (exit 1) if a tier cannot be reached; run it again then.",
            footer = {"", "Example: unisession-admin erase-user alice --config /etc/unisession.properties"})
    static final class EraseUser extends StoreCommand {
        @Parameters(index = "0", paramLabel = "PRINCIPAL")
        String user;

        @Override
        Integer call(AdminContext admin) {
            out().println("erased=" + admin.manager.erase(user));
            return 0;
        }
    }

    @Command(
            name = "cleanup-expired",
            mixinStandardHelpOptions = true,
            description = "Remove expired sessions now, in batches of expiry.batch-size.",
            footer = {"", "Example: unisession-admin cleanup-expired --set expiry.batch-size=1000"})
    static final class CleanupExpired extends StoreCommand {
        @Override
        Integer call(AdminContext admin) {
            out().println("expired=" + admin.manager.cleanupExpired());
            return 0;
        }
    }

    /** Durations as the settings take them: 90s, 15m, 2h, 1d, 250ms, 90 (seconds) or ISO-8601. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String v) {
            Duration d = dev.unisession.config.UnisessionConfig.parseDuration(v);
            if (d != null && !d.isNegative()) return d;
            throw new CommandLine.TypeConversionException("'" + v + "' is not a duration (e.g. 90s, 15m, 2h, 1d)");
        }
    }
}
