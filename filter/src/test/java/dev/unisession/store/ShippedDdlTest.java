package dev.unisession.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.unisession.core.SessionDelta;
import dev.unisession.core.SessionRecord;
import dev.unisession.testing.TestDatabase;
import dev.unisession.testing.TestStores;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** The DDL shipped for each database creates tables the JPA mapping works with (schema creation turned off). */
class ShippedDdlTest {

    private static String ddl(TestDatabase.Kind kind) throws Exception {
        String file = kind == TestDatabase.Kind.POSTGRES ? "postgresql" : kind == TestDatabase.Kind.MARIADB
                ? "mariadb" : "h2";
        try (InputStream in = ShippedDdlTest.class.getResourceAsStream("/META-INF/unisession/sql/" + file + ".sql")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void shippedDdlMatchesTheMapping(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            db.run(ddl(kind));
            try (JpaStore store = JpaStore.connect(TestStores.jpaConfig(db.url(),
                    Map.of("unisession.jpa.schema", "none")), 0.1, Clock.systemUTC(), getClass().getClassLoader())) {
                String id = UUID.randomUUID().toString();
                long now = System.currentTimeMillis();
                byte[] bin = new byte[5000];
                for (int i = 0; i < bin.length; i++) bin[i] = (byte) (i * 7);
                assertEquals(1, store.save(new SessionDelta(id, true, 0, now, now, 600, "frank", null, null, true,
                        Map.of("a", "x".getBytes(StandardCharsets.UTF_8), "bin", bin), Set.of())));
                store.save(new SessionDelta(id, false, 1, now, now + 1, 600, "frank", null, null, false,
                        Map.of("c", new byte[] {1}), Set.of("a")));
                SessionRecord r = store.load(id);
                assertNotNull(r);
                assertEquals(Set.of("bin", "c"), r.attributes().keySet());
                assertArrayEquals(bin, r.attributes().get("bin"));
                assertEquals(Set.of(id), store.findIdsByPrincipal("frank"));
            }
        }
    }
}
