package dev.unisession.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.unisession.core.SessionDelta;
import dev.unisession.core.SessionRecord;
import dev.unisession.testing.Services;
import dev.unisession.testing.TestStores;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** The DDL shipped for each database creates tables the JPA mapping works with (schema creation turned off). */
class ShippedDdlTest {

    private static String ddl(String db) throws Exception {
        try (InputStream in = ShippedDdlTest.class.getResourceAsStream("/META-INF/unisession/sql/" + db + ".sql")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void run(String url, String user, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url, user, "");
             Statement st = c.createStatement()) {
            for (String stmt : sql.replaceAll("(?m)^--.*$", "").split(";")) {
                if (!stmt.isBlank()) st.execute(stmt);
            }
        }
    }

    private static void roundTrip(String url) {
        try (JpaStore store = JpaStore.connect(TestStores.jpaConfig(url, Map.of("unisession.jpa.schema", "none")),
                0.1, Clock.systemUTC(), ShippedDdlTest.class.getClassLoader())) {
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

    @Test
    void h2() throws Exception {
        String url = TestStores.h2Url();
        run(url, "sa", ddl("h2"));
        roundTrip(url);
    }

    @Test
    void postgresql() throws Exception {
        String admin = Services.postgresUrl();
        String db = "us_ddl_" + UUID.randomUUID().toString().substring(0, 8);
        run(admin, "postgres", "CREATE DATABASE " + db);
        try {
            String url = admin.replace("/test", "/" + db);
            run(url, "postgres", ddl("postgresql"));
            roundTrip(url);
        } finally {
            run(admin, "postgres", "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
        }
    }

    @Test
    void mariadb() throws Exception {
        String admin = Services.mariadbUrl();
        String db = "us_ddl_" + UUID.randomUUID().toString().substring(0, 8);
        run(admin, "root", "CREATE DATABASE " + db);
        try {
            String url = admin.replace("/test", "/" + db);
            run(url, "root", ddl("mariadb"));
            roundTrip(url);
        } finally {
            run(admin, "root", "DROP DATABASE IF EXISTS " + db);
        }
    }
}
