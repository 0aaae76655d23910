package dev.unisession.store.jpa;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.store.SessionRecord;
import dev.unisession.testing.Deltas;
import dev.unisession.testing.TestDatabase;
import dev.unisession.testing.TestStores;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The DDL shipped for each database creates tables the JPA mapping works with (schema creation turned off). */
class ShippedDdlTest {

    private static String ddl(TestDatabase.Kind kind) throws Exception {
        String file = kind == TestDatabase.Kind.POSTGRES
                ? "postgresql"
                : kind == TestDatabase.Kind.MARIADB ? "mariadb" : "h2";
        try (InputStream in = ShippedDdlTest.class.getResourceAsStream("/META-INF/unisession/sql/" + file + ".sql")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void shippedDdlMatchesTheMapping(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            db.run(ddl(kind));
            try (JpaStore store = JpaStore.connect(
                    TestStores.jpaSettings(db.url(), Map.of("unisession.jpa.schema", "none")),
                    0.1,
                    Clock.systemUTC(),
                    getClass().getClassLoader())) {
                String id = UUID.randomUUID().toString();
                long now = System.currentTimeMillis();
                byte[] bin = new byte[5000];
                for (int i = 0; i < bin.length; i++) bin[i] = (byte) (i * 7);
                assertEquals(
                        1,
                        store.save(Deltas.create(id)
                                        .at(now)
                                        .maxInactive(600)
                                        .principal("frank")
                                        .set(Map.of("a", "x".getBytes(StandardCharsets.UTF_8), "bin", bin))
                                        .build())
                                .version());
                store.save(Deltas.update(id, 1)
                        .times(now, now + 1)
                        .maxInactive(600)
                        .principal("frank")
                        .set("c", new byte[] {1})
                        .remove(Set.of("a"))
                        .build());
                SessionRecord r = store.load(id);
                assertNotNull(r);
                assertEquals(Set.of("bin", "c"), r.attributes().keySet());
                assertArrayEquals(bin, r.attributes().get("bin"));
                assertEquals(Set.of(id), store.findIdsByPrincipal("frank"));
            }
        }
    }

    /**
     * {@code schema=create} runs the shipped DDL, so the tables it makes have the shipped keys: us_attribute's primary
     * key leads with session_id (EclipseLink's own generation made it (name, session_id), and every per-session read
     * and delete scanned the table). Starting twice on the same database changes nothing.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void createdSchemaIsTheShippedOne(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind)) {
            for (int start = 0; start < 2; start++) {
                try (JpaStore store = JpaStore.connect(
                        TestStores.jpaSettings(db.url(), Map.of()),
                        0.1,
                        Clock.systemUTC(),
                        getClass().getClassLoader())) {
                    String id = UUID.randomUUID().toString();
                    long now = System.currentTimeMillis();
                    assertEquals(
                            1,
                            store.save(Deltas.create(id)
                                            .at(now)
                                            .maxInactive(600)
                                            .set("a", new byte[] {1})
                                            .build())
                                    .version());
                }
            }
            try (Connection c = DriverManager.getConnection(db.url(), db.user(), "")) {
                String table = kind == TestDatabase.Kind.H2 ? "US_ATTRIBUTE" : "us_attribute";
                Map<Integer, String> key = new TreeMap<>();
                try (ResultSet rs = c.getMetaData().getPrimaryKeys(null, null, table)) {
                    while (rs.next())
                        key.put(
                                rs.getInt("KEY_SEQ"),
                                rs.getString("COLUMN_NAME").toLowerCase());
                }
                assertEquals(List.of("session_id", "name"), List.copyOf(key.values()));
            }
        }
    }

    /**
     * The shipped DDL as an earlier version shipped it: without the columns named (their lines, and the comma the
     * column before them then no longer needs).
     */
    private static String earlierDdl(TestDatabase.Kind kind, List<String> columns) throws Exception {
        List<String> kept = new java.util.ArrayList<>();
        for (String line : ddl(kind).split("\n")) {
            if (columns.stream().anyMatch(line::contains)) continue;
            if (line.startsWith(")") && kept.get(kept.size() - 1).endsWith(",")) {
                String last = kept.remove(kept.size() - 1);
                kept.add(last.substring(0, last.length() - 1));
            }
            kept.add(line);
        }
        String earlier = String.join("\n", kept);
        for (String c : columns) assertFalse(earlier.contains(c));
        return earlier;
    }

    /**
     * Tables an earlier version made (no stamp column, or no small attributes column; a session of theirs keeps its
     * attributes as rows): with {@code schema=none} start-up fails naming the file to apply; with
     * {@code schema=create} the columns are added, a session the earlier version wrote reads as it was, and new
     * sessions are written and read.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void tablesOfAnEarlierVersionGainTheColumns(TestDatabase.Kind kind) throws Exception {
        for (List<String> missing : List.of(List.of("application", "attributes "), List.of("attributes "))) {
            try (TestDatabase db = TestDatabase.create(kind)) {
                db.run(earlierDdl(kind, missing));
                String old = UUID.randomUUID().toString();
                db.run("INSERT INTO us_session (id, created_at, last_accessed, expires_at, max_inactive, version) "
                        + "VALUES ('" + old + "', 1, " + System.currentTimeMillis() + ", " + Long.MAX_VALUE
                        + ", 600, 3);\nINSERT INTO us_attribute (session_id, name, data) VALUES ('" + old
                        + "', 'a', " + (kind == TestDatabase.Kind.POSTGRES ? "'\\x01'" : "X'01'") + ")");
                IllegalArgumentException e = assertThrows(
                        IllegalArgumentException.class,
                        () -> JpaStore.connect(
                                TestStores.jpaSettings(db.url(), Map.of("unisession.jpa.schema", "none")),
                                0.1,
                                Clock.systemUTC(),
                                getClass().getClassLoader()));
                assertTrue(
                        e.getMessage().contains("META-INF/unisession/sql/")
                                && e.getMessage().contains("schema=create"),
                        e.getMessage());
                try (JpaStore store = JpaStore.connect(
                        TestStores.jpaSettings(db.url(), Map.of()),
                        0.1,
                        Clock.systemUTC(),
                        getClass().getClassLoader())) {
                    SessionRecord earlier = store.load(old);
                    assertEquals(Set.of("a"), earlier.attributes().keySet(), missing.toString());
                    assertArrayEquals(new byte[] {1}, earlier.attributes().get("a"));
                    String id = UUID.randomUUID().toString();
                    byte[] stamp = "shop".getBytes(StandardCharsets.UTF_8);
                    assertEquals(
                            1,
                            store.save(Deltas.create(id)
                                            .at(System.currentTimeMillis())
                                            .maxInactive(600)
                                            .set(Map.of(SessionRecord.APPLICATION, stamp, "b", new byte[] {2}))
                                            .build())
                                    .version());
                    SessionRecord r = store.load(id);
                    assertArrayEquals(stamp, r.attributes().get(SessionRecord.APPLICATION));
                    assertArrayEquals(new byte[] {2}, r.attributes().get("b"));
                }
            }
        }
    }

    /**
     * In tables the shipped DDL creates, attribute names are case-sensitive keys as in Java: "token" (small, in the
     * session row) and "Token" (large, a row of its own) live side by side and removing one leaves the other. With
     * MariaDB's default collation they were one key: the removal of the small one deleted the large one's row.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.Kind.class)
    void namesDifferingOnlyInCaseAreTwoAttributes(TestDatabase.Kind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind);
                JpaStore store = JpaStore.connect(
                        TestStores.jpaSettings(db.url(), Map.of()),
                        0.1,
                        Clock.systemUTC(),
                        getClass().getClassLoader())) {
            byte[] large = new byte[SessionRow.SMALL_BYTES + 1];
            java.util.Arrays.fill(large, (byte) 'T');
            String id = UUID.randomUUID().toString();
            long now = System.currentTimeMillis();
            store.save(Deltas.create(id)
                    .at(now)
                    .maxInactive(600)
                    .set(Map.of("token", new byte[] {1}, "Token", large, "KEY", large, "key", large))
                    .build());
            assertEquals(
                    Set.of("token", "Token", "KEY", "key"),
                    store.load(id).attributes().keySet());
            store.save(Deltas.update(id, 1)
                    .times(now, now + 1)
                    .maxInactive(600)
                    .remove(Set.of("token", "key"))
                    .build());
            SessionRecord r = store.load(id);
            assertEquals(Set.of("Token", "KEY"), r.attributes().keySet());
            assertArrayEquals(large, r.attributes().get("Token"));
        }
    }

    /**
     * On PostgreSQL the keys of the tables the shipped DDL creates compare byte by byte ({@code COLLATE "C"}): in the
     * database's own collation every comparison of an index lookup or insert was a copy and a strcoll call.
     */
    @Test
    void postgresKeysCompareByteByByte() throws Exception {
        try (TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES);
                JpaStore store = JpaStore.connect(
                        TestStores.jpaSettings(db.url(), Map.of()),
                        0.1,
                        Clock.systemUTC(),
                        getClass().getClassLoader());
                Connection c = DriverManager.getConnection(db.url(), db.user(), "");
                java.sql.Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT table_name || '.' || column_name, collation_name FROM "
                                + "information_schema.columns WHERE table_schema = current_schema() AND table_name IN "
                                + "('us_session', 'us_attribute', 'us_ended') AND column_name IN ('id', 'session_id', 'name')")) {
            Map<String, String> collations = new TreeMap<>();
            while (rs.next()) collations.put(rs.getString(1), rs.getString(2));
            assertEquals(
                    Map.of(
                            "us_attribute.name", "C",
                            "us_attribute.session_id", "C",
                            "us_ended.id", "C",
                            "us_session.id", "C"),
                    collations);
        }
    }

    @Test
    void unknownDatabasesAreToldToApplyTheirOwnDdl() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JpaUnit.ddlFor("Oracle"));
        assertTrue(e.getMessage().contains("unisession.jpa.schema=none"), e.getMessage());
        assertTrue(JpaUnit.ddlFor("MySQL").contains("LONGBLOB"));
        assertEquals(
                "CREATE TABLE t (a INT)",
                JpaUnit.statements("-- c; x\nCREATE TABLE t (a INT);\n\n").get(0));
    }
}
