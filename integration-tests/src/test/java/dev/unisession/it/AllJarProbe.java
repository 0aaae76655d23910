package dev.unisession.it;

import dev.unisession.config.ConfigSource;
import dev.unisession.config.UnisessionConfig;
import dev.unisession.store.SessionDelta;
import dev.unisession.store.SessionRecord;
import dev.unisession.store.SessionStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Run in a JVM whose class path is the -all jar (plus a JDBC driver) and nothing else: opens a tiered store
 * (Redis, then EclipseLink on H2), writes and reads a session, and checks that no library leaked under its own
 * package name. Prints "ok" last.
 */
public final class AllJarProbe {

    private AllJarProbe() {}

    public static void main(String[] args) throws Exception {
        for (String name : List.of(
                "org.redisson.Redisson",
                "io.netty.buffer.ByteBuf",
                "com.fasterxml.jackson.databind.ObjectMapper",
                "org.eclipse.persistence.jpa.PersistenceProvider",
                "jakarta.persistence.EntityManager",
                "io.jsonwebtoken.Jwts",
                "org.slf4j.Logger")) {
            try {
                Class.forName(name);
                throw new AssertionError(name + " is visible unrelocated");
            } catch (ClassNotFoundException expected) {
                // relocated
            }
        }
        UnisessionConfig config = UnisessionConfig.from(List.of(ConfigSource.of(
                "probe",
                Map.of(
                        "unisession.store",
                        "tiered",
                        "unisession.redis.url",
                        args[0],
                        "unisession.redis.prefix",
                        args[1],
                        "unisession.jpa.url",
                        args[2],
                        "unisession.jpa.flush-interval",
                        "100ms"))));
        String id = UUID.randomUUID().toString();
        try (SessionStore store =
                dev.unisession.boot.Bootstrap.store(config, AllJarProbe.class.getClassLoader(), Clock.systemUTC())) {
            long now = System.currentTimeMillis();
            store.save(new SessionDelta(
                    id,
                    true,
                    0,
                    now,
                    now,
                    600,
                    "probe",
                    null,
                    null,
                    true,
                    Map.of("a", "\u0002value".getBytes(StandardCharsets.UTF_8)),
                    Set.of()));
            SessionRecord r = store.load(id);
            if (r == null || !"probe".equals(r.principal())) throw new AssertionError("not read back: " + r);
            long deadline = System.currentTimeMillis() + 10_000;
            while (System.currentTimeMillis() < deadline
                    && store.probe().stream().anyMatch(t -> !t.up())) {
                Thread.sleep(100);
            }
            System.out.println("tiers " + store.probe());
        }
        try (SessionStore db = dev.unisession.boot.Bootstrap.store(
                UnisessionConfig.from(List.of(
                        ConfigSource.of("probe", Map.of("unisession.store", "jpa", "unisession.jpa.url", args[2])))),
                AllJarProbe.class.getClassLoader(),
                Clock.systemUTC())) {
            if (db.load(id) == null) throw new AssertionError("the database copy is missing (write-behind)");
        }
        System.out.println("ok");
    }
}
