package dev.unisession.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.store.SessionRecord;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.catalina.Context;
import org.apache.catalina.Session;
import org.apache.catalina.session.DataSourceStore;
import org.apache.catalina.session.PersistentManager;
import org.apache.catalina.session.StandardManager;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.ContextResource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.session.FindByIndexNameSessionRepository;
import org.springframework.session.jdbc.JdbcIndexedSessionRepository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Sessions written by the real libraries (Tomcat's PersistentManager with DataSourceStore, its StandardManager
 * SESSIONS.ser, Spring Session's JdbcIndexedSessionRepository) are imported with every attribute; a dry run
 * changes nothing; a second run imports nothing new.
 */
class MigrateTest {

    private static final int SESSIONS = 1_000;

    private static Map<String, Object> attributesOf(int i) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("user", "user" + i);
        a.put("visits", i);
        a.put("tags", new ArrayList<>(List.of("t" + i, "shared")));
        a.put("basket", new Basket("user" + i, List.of("apple", "pear" + i), 100L + i));
        return a;
    }

    /** The CLI's target: a JPA store in an H2 file, the test's classes as the application's. */
    private static List<String> target(Path dir) {
        return List.of(
                "--set",
                "store=jpa",
                "--set",
                "jpa.url=jdbc:h2:" + dir.resolve("unified"),
                "--set",
                "audit.sink=none",
                "--classpath",
                Path.of("target/test-classes").toAbsolutePath().toString());
    }

    private static void assertImported(
            Path dir, Migrate.From from, Map<String, Integer> legacyIdToIndex, boolean principals) {
        try (AdminContext admin = AdminContext.open(
                null,
                List.of("store=jpa", "jpa.url=jdbc:h2:" + dir.resolve("unified"), "audit.sink=none"),
                List.of(Path.of("target/test-classes")))) {
            assertEquals(
                    SESSIONS,
                    dev.unisession.store.SessionBrowser.of(admin.store).count());
            legacyIdToIndex.forEach((legacyId, i) -> {
                SessionRecord r = admin.store.load(Migrate.importedId(from, legacyId));
                assertNotNull(r, "imported " + legacyId);
                Map<String, Object> values = new HashMap<>();
                r.attributes().forEach((n, b) -> values.put(n, admin.codec.decode(b)));
                Map<String, Object> expected = new HashMap<>(attributesOf(i));
                if (principals) {
                    expected.put(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, "user" + i);
                    assertEquals("user" + i, r.principal());
                }
                assertEquals(expected, values, legacyId);
            });
        }
    }

    private static void migrateThreeTimes(
            Path dir, List<String> source, Migrate.From from, Map<String, Integer> ids, boolean principals) {
        List<String> args = new ArrayList<>(source);
        args.addAll(target(dir));
        Cli dry = Cli.run(args, "--dry-run");
        assertEquals(0, dry.code(), dry.toString());
        assertTrue(dry.out().startsWith("dry run: read=1000 imported=1000 skipped=0"), dry.toString());
        assertTrue(dry.err().contains("[##############################] 1000/1000"), "progress: " + dry);
        try (AdminContext admin =
                AdminContext.open(null, List.of("store=jpa", "jpa.url=jdbc:h2:" + dir.resolve("unified")), List.of())) {
            assertEquals(0, dev.unisession.store.SessionBrowser.of(admin.store).count(), "a dry run writes nothing");
        }
        Cli first = Cli.run(args);
        assertEquals(0, first.code(), first.toString());
        assertTrue(first.out().startsWith("read=1000 imported=1000 skipped=0"), first.toString());
        assertImported(dir, from, ids, principals);
        Cli again = Cli.run(args);
        assertEquals(0, again.code(), again.toString());
        assertTrue(again.out().startsWith("read=1000 imported=0 skipped=1000"), again.toString());
        assertTrue(again.out().contains("skipped count=1000 reason=\"already imported\""), again.toString());
    }

    private static Tomcat tomcat(Path dir) {
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(dir.resolve("tc").toString());
        tomcat.setPort(0);
        return tomcat;
    }

    /** Starts Tomcat, creates the sessions through its manager, and stops it (the manager persists them). */
    private static Map<String, Integer> createAndStop(Tomcat tomcat, org.apache.catalina.Manager manager)
            throws Exception {
        tomcat.getConnector();
        tomcat.start();
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < SESSIONS; i++) {
            Session s = manager.createSession(null);
            attributesOf(i).forEach(s.getSession()::setAttribute);
            ids.put(s.getId(), i);
        }
        tomcat.stop();
        tomcat.destroy();
        return ids;
    }

    @Test
    void tomcatPersistentManagerDataSourceStore(@TempDir Path dir) throws Exception {
        String url = "jdbc:h2:" + dir.resolve("tomcat");
        try (Connection c = DriverManager.getConnection(url, "sa", "");
                Statement st = c.createStatement()) {
            // The table of Tomcat's documentation.
            st.execute("create table tomcat_sessions (session_id varchar(100) not null primary key, "
                    + "valid_session char(1) not null, max_inactive int not null, last_access bigint not null, "
                    + "app_name varchar(255), session_data blob)");
        }
        Tomcat tomcat = tomcat(dir);
        tomcat.enableNaming();
        Context ctx = tomcat.addContext(
                "/shop", Files.createDirectories(dir.resolve("docs")).toString());
        ContextResource res = new ContextResource();
        res.setName("jdbc/sessions");
        res.setType("org.h2.jdbcx.JdbcDataSource"); // H2's factory answers only for its own type
        res.setProperty("factory", "org.h2.jdbcx.JdbcDataSourceFactory");
        res.setProperty("url", url);
        res.setProperty("user", "sa");
        res.setProperty("password", "");
        res.setProperty("description", "sessions");
        res.setProperty("loginTimeout", "0");
        ctx.getNamingResources().addResource(res);
        DataSourceStore store = new DataSourceStore();
        store.setDataSourceName("jdbc/sessions");
        store.setLocalDataSource(true);
        store.setSessionTable("tomcat_sessions");
        store.setSessionIdCol("session_id");
        store.setSessionDataCol("session_data");
        store.setSessionValidCol("valid_session");
        store.setSessionMaxInactiveCol("max_inactive");
        store.setSessionLastAccessedCol("last_access");
        store.setSessionAppCol("app_name");
        PersistentManager manager = new PersistentManager();
        manager.setStore(store);
        ctx.setManager(manager);
        Map<String, Integer> ids = createAndStop(tomcat, manager); // PersistentManager writes them on stop
        String app;
        try (Connection c = DriverManager.getConnection(url, "sa", "");
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select count(*), max(app_name) from tomcat_sessions")) {
            rs.next();
            assertEquals(SESSIONS, rs.getInt(1), "Tomcat wrote them all");
            app = rs.getString(2);
        }
        migrateThreeTimes(
                dir,
                List.of("migrate", "--from", "tomcat-jdbc", "--jdbc-url", url, "--jdbc-user", "sa", "--app", app),
                Migrate.From.TOMCAT_JDBC,
                ids,
                false);
    }

    @Test
    void tomcatStandardManagerSessionsSer(@TempDir Path dir) throws Exception {
        Tomcat tomcat = tomcat(dir);
        Context ctx = tomcat.addContext(
                "/shop", Files.createDirectories(dir.resolve("docs")).toString());
        StandardManager manager = new StandardManager();
        manager.setPathname(dir.resolve("SESSIONS.ser").toString());
        ctx.setManager(manager);
        Map<String, Integer> ids = createAndStop(tomcat, manager); // StandardManager writes SESSIONS.ser on stop
        assertTrue(Files.size(dir.resolve("SESSIONS.ser")) > 10_000, "Tomcat wrote the file");
        migrateThreeTimes(
                dir,
                List.of(
                        "migrate",
                        "--from",
                        "tomcat-file",
                        "--path",
                        dir.resolve("SESSIONS.ser").toString()),
                Migrate.From.TOMCAT_FILE,
                ids,
                false);
    }

    @Test
    void springSessionJdbc(@TempDir Path dir) throws Exception {
        String url = "jdbc:h2:" + dir.resolve("spring");
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(url);
        ds.setUser("sa");
        try (InputStream in = JdbcIndexedSessionRepository.class.getResourceAsStream("schema-h2.sql");
                Connection c = ds.getConnection();
                Statement st = c.createStatement()) {
            for (String sql : new String(in.readAllBytes(), StandardCharsets.UTF_8).split(";")) {
                if (!sql.isBlank()) st.execute(sql);
            }
        }
        JdbcIndexedSessionRepository repo = new JdbcIndexedSessionRepository(
                new JdbcTemplate(ds), new TransactionTemplate(new DataSourceTransactionManager(ds)));
        Map<String, Integer> ids = fill(repo);
        migrateThreeTimes(
                dir,
                List.of("migrate", "--from", "spring-session-jdbc", "--jdbc-url", url, "--jdbc-user", "sa"),
                Migrate.From.SPRING_SESSION_JDBC,
                ids,
                true);
    }

    private static <S extends org.springframework.session.Session> Map<String, Integer> fill(
            org.springframework.session.SessionRepository<S> repo) {
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < SESSIONS; i++) {
            S s = repo.createSession();
            s.setAttribute(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, "user" + i);
            attributesOf(i).forEach(s::setAttribute);
            repo.save(s);
            ids.put(s.getId(), i);
        }
        return ids;
    }

    @Test
    void jettyJdbcSessionDataStore(@TempDir Path dir) throws Exception {
        String url = "jdbc:h2:" + dir.resolve("jetty");
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(url);
        ds.setUser("sa");
        org.eclipse.jetty.session.DatabaseAdaptor adaptor = new org.eclipse.jetty.session.DatabaseAdaptor();
        adaptor.setDatasource(ds);
        org.eclipse.jetty.session.JDBCSessionDataStore store = new org.eclipse.jetty.session.JDBCSessionDataStore();
        store.setDatabaseAdaptor(adaptor);
        store.initialize(new org.eclipse.jetty.session.SessionContext() {
            {
                _workerName = "node0";
                _canonicalContextPath = "shop";
                _vhost = "0.0.0.0";
            }
        });
        store.start(); // creates the JettySessions table
        Map<String, Integer> ids = new HashMap<>();
        long now = System.currentTimeMillis();
        for (int i = 0; i < SESSIONS; i++) {
            String id = "node0" + UUID.randomUUID().toString().replace("-", "");
            org.eclipse.jetty.session.SessionData data = store.newSessionData(id, now, now, now, 1_800_000);
            attributesOf(i).forEach(data::setAttribute);
            store.store(id, data);
            ids.put(id, i);
        }
        store.stop();
        migrateThreeTimes(
                dir,
                List.of("migrate", "--from", "jetty-jdbc", "--jdbc-url", url, "--jdbc-user", "sa", "--app", "shop"),
                Migrate.From.JETTY_JDBC,
                ids,
                false);
    }

    @Test
    void badUsageExitsTwoAndUnreadableSourceExitsOne(@TempDir Path dir) {
        Cli noSource = Cli.run(List.of("migrate"));
        assertEquals(2, noSource.code(), noSource.toString());
        assertTrue(noSource.err().contains("--from"), noSource.toString());
        Cli badFrom = Cli.run(List.of("migrate", "--from", "websphere"));
        assertEquals(2, badFrom.code(), badFrom.toString());
        Cli noTable = Cli.run(
                List.of("migrate", "--from", "spring-session-jdbc", "--jdbc-url", "jdbc:h2:" + dir.resolve("empty")),
                target(dir).toArray(new String[0]));
        assertEquals(1, noTable.code(), noTable.toString());
        assertTrue(noTable.err().contains("cannot read the spring-session-jdbc source"), noTable.toString());
        Cli injected = Cli.run(
                List.of(
                        "migrate",
                        "--from",
                        "tomcat-jdbc",
                        "--jdbc-url",
                        "jdbc:h2:" + dir.resolve("empty"),
                        "--table",
                        "x; drop table y"),
                target(dir).toArray(new String[0]));
        assertEquals(2, injected.code(), injected.toString());
    }
}
