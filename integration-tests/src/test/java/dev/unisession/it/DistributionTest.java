package dev.unisession.it;

import static dev.unisession.it.Distribution.plainWar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.it.Distribution.Server;
import dev.unisession.testing.Resp;
import dev.unisession.testing.Services;
import dev.unisession.testing.TestDatabase;
import dev.unisession.testing.TestStores;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The drop-in jar in the real server distributions (Tomcat 11.0 and 10.1, Jetty 12.1's ee10 and ee11 environments,
 * from Maven Central, started with their own scripts in processes of their own): a plain WAR that knows nothing of
 * unisession gets unified sessions with {@code store=tiered} on PostgreSQL and Redis, and keeps them across a server
 * restart, with the JDBC driver wherever the server lets an application keep it: in WEB-INF/lib beside the jar; in
 * the server's lib with the jar there too and the filter in the server-wide web.xml; and a DataSource the server
 * provides through JNDI ({@code unisession.jpa.datasource}: Tomcat's {@code <Resource>} in the application's
 * context.xml, Jetty's jetty-env.xml), the driver in the server's lib. An application keeps its own, different
 * Jackson and Netty.
 */
class DistributionTest {

    private final String keys = Keys.entry("k1", Keys.secret());
    private final String prefix = TestStores.uniquePrefix();
    private final List<Server> servers = new ArrayList<>();
    private TestDatabase db;

    @AfterEach
    void cleanUp() {
        for (Server s : servers) s.stop();
        new Resp(Services.REDIS_PORT).deleteAll(prefix + "*");
        if (db != null) db.close();
    }

    /** The servers: the system property of the distribution's home, and Jetty's EE environment. */
    enum Dist {
        TOMCAT_11("it.unisession.tomcatDist", null),
        TOMCAT_10_1("it.unisession.tomcat10Dist", null),
        JETTY_EE10("it.unisession.jettyDist", "ee10"),
        JETTY_EE11("it.unisession.jettyDist", "ee11");

        final String home;
        final String ee;

        Dist(String home, String ee) {
            this.home = home;
            this.ee = ee;
        }
    }

    /** Where the -all jar and the JDBC driver go, and how the database is named. */
    enum Route {
        /** Both in WEB-INF/lib, unisession.jpa.url. */
        WEB_INF_LIB,
        /** Both in the server's lib (Jetty: a module of the EE environment), the filter in the server's web.xml. */
        SERVER_LIB,
        /** The jar in WEB-INF/lib, the driver in the server's lib, a DataSource of the server's in JNDI. */
        JNDI_DATASOURCE
    }

    static Stream<Arguments> combinations() {
        return Stream.of(Dist.values()).flatMap(d -> Stream.of(Route.values()).map(r -> Arguments.of(d, r)));
    }

    private static final String JNDI_NAME = "jdbc/sessions";

    /** The settings, as the server JVM's system properties. */
    private List<String> settings(Route route) {
        List<String> s = new ArrayList<>(List.of(
                "-Dunisession.store=tiered",
                "-Dunisession.redis.url=" + Services.redisUrl(),
                "-Dunisession.redis.prefix=" + prefix,
                "-Dunisession.token.keys=" + keys,
                "-Dunisession.cookie.secure=false"));
        if (route == Route.JNDI_DATASOURCE) {
            s.add("-Dunisession.jpa.datasource=java:comp/env/" + JNDI_NAME);
        } else {
            s.add("-Dunisession.jpa.url=" + db.url());
            s.add("-Dunisession.jpa.user=" + db.user());
        }
        return s;
    }

    /** The plain WAR for the route; for JNDI its resource-ref and the server's DataSource declaration. */
    private Path war(Dist dist, Route route) throws Exception {
        Path driver = Path.of(System.getProperty("it.unisession.postgresJar"));
        List<Path> libs = switch (route) {
            case WEB_INF_LIB -> List.of(AllJarTest.allJar(), driver);
            case SERVER_LIB -> List.of();
            case JNDI_DATASOURCE -> List.of(AllJarTest.allJar());
        };
        String ref = route != Route.JNDI_DATASOURCE
                ? ""
                : String.join(
                        "\n",
                        "  <resource-ref><res-ref-name>" + JNDI_NAME + "</res-ref-name>",
                        "    <res-type>javax.sql.DataSource</res-type><res-auth>Container</res-auth></resource-ref>");
        Path war = plainWar(Files.createTempDirectory("war").resolve("app"), libs, ref);
        if (route == Route.JNDI_DATASOURCE && dist.ee == null) {
            // Tomcat: the pool is Tomcat's own (DBCP), the driver in the server's lib.
            Files.writeString(
                    Files.createDirectories(war.resolve("META-INF")).resolve("context.xml"),
                    String.join(
                            "\n",
                            "<Context>",
                            "  <Resource name='" + JNDI_NAME + "' auth='Container'",
                            "    type='javax.sql.DataSource' driverClassName='org.postgresql.Driver'",
                            "    url='" + db.url() + "' username='" + db.user() + "' password='' maxTotal='8'/>",
                            "</Context>"));
        } else if (route == Route.JNDI_DATASOURCE) {
            Files.writeString(
                    war.resolve("WEB-INF/jetty-env.xml"),
                    String.join(
                            "\n",
                            "<?xml version='1.0'?>",
                            "<!DOCTYPE Configure PUBLIC '-//Jetty//Configure//EN' 'https://jetty.org/configure_10_0.dtd'>",
                            "<Configure id='wac' class='org.eclipse.jetty." + dist.ee + ".webapp.WebAppContext'>",
                            "  <New class='org.eclipse.jetty.plus.jndi.Resource'>",
                            "    <Arg><Ref refid='wac'/></Arg>",
                            "    <Arg>" + JNDI_NAME + "</Arg>",
                            "    <Arg><New class='org.postgresql.ds.PGSimpleDataSource'>",
                            "      <Set name='url'>" + db.url() + "</Set>",
                            "      <Set name='user'>" + db.user() + "</Set>",
                            "    </New></Arg>",
                            "  </New>",
                            "</Configure>"));
        }
        return war;
    }

    private Server server(Dist dist, Route route) throws Exception {
        db = TestDatabase.create(TestDatabase.Kind.POSTGRES);
        Path war = war(dist, route);
        boolean sharedLib = route == Route.SERVER_LIB;
        List<Path> serverJars = route == Route.WEB_INF_LIB
                ? List.of()
                : List.of(Path.of(System.getProperty("it.unisession.postgresJar")));
        Server s = dist.ee == null
                ? Distribution.tomcat(dist.home, war, sharedLib, serverJars, settings(route), Map.of())
                : Distribution.jetty(
                        dist.ee,
                        route == Route.JNDI_DATASOURCE,
                        war,
                        sharedLib,
                        serverJars,
                        settings(route),
                        List.of());
        servers.add(s);
        return s;
    }

    private static String cookieOf(HttpResponse<String> r) {
        for (String c : r.headers().allValues("Set-Cookie")) {
            if (c.startsWith("USESSION=")) return c.substring(0, c.indexOf(';'));
        }
        return null;
    }

    /**
     * Two visits, a restart, a third visit: the count goes on in a unified session with a JWT cookie, kept in Redis
     * and the database. An environment variable UNISESSION_OPTS (no key) is warned of once and does not stop it.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("combinations")
    void tieredOnPostgresAcrossARestart(Dist dist, Route route) throws Exception {
        Server s = server(dist, route);
        s.env.put("UNISESSION_OPTS", "-Dfoo=bar");
        s.start();
        HttpResponse<String> first = s.get("/app/count", null);
        assertEquals(200, first.statusCode(), first.body() + s.log());
        assertTrue(first.body().contains("session=dev.unisession.web.UnifiedHttpSession"), first.body());
        String cookie = cookieOf(first);
        assertNotNull(cookie, "a unisession cookie: " + first.headers().map());
        assertEquals(3, cookie.substring("USESSION=".length()).split("\\.").length, "a JWT: " + cookie);
        assertFalse(
                first.headers().allValues("Set-Cookie").stream().anyMatch(c -> c.startsWith("JSESSIONID")),
                "no container session: " + first.headers().map());
        assertTrue(s.get("/app/count", cookie).body().contains("count=2"));
        assertEquals(
                1,
                s.fullLog()
                        .lines()
                        .filter(l -> l.contains("Ignoring [UNISESSION_OPTS]"))
                        .count(),
                "one warning for UNISESSION_OPTS:\n" + s.log());
        s.stop();
        s.start();
        HttpResponse<String> after = s.get("/app/count", cookie);
        assertTrue(after.body().contains("count=3"), "the session survived the restart: " + after.body() + s.log());
    }

    @Test
    void anApplicationsOwnJacksonAndNettyKeepWorkingBesideTheJar() throws Exception {
        List<Path> libs = new ArrayList<>(List.of(AllJarTest.allJar()));
        try (Stream<Path> jars = Files.list(Distribution.dir("it.unisession.clashLib"))) {
            jars.forEach(libs::add);
        }
        assertEquals(6, libs.size(), libs.toString());
        Path war = plainWar(Files.createTempDirectory("war").resolve("app"), libs);
        Server s = Distribution.tomcat(
                war,
                false,
                List.of(
                        "-Dunisession.store=redis",
                        "-Dunisession.redis.url=" + Services.redisUrl(),
                        "-Dunisession.redis.prefix=" + prefix,
                        "-Dunisession.token.keys=" + keys,
                        "-Dunisession.cookie.secure=false"));
        servers.add(s);
        s.start();
        HttpResponse<String> clash = s.get("/app/clash", null);
        assertEquals(200, clash.statusCode(), clash.body() + s.log());
        assertTrue(clash.body().contains("json={\"ok\":true}"), clash.body());
        assertTrue(clash.body().contains("jackson=2.22.4"), "the application's own Jackson: " + clash.body());
        assertTrue(clash.body().contains("netty=4.1.118.Final"), "the application's own Netty: " + clash.body());
        HttpResponse<String> count = s.get("/app/count", null);
        assertTrue(count.body().contains("session=dev.unisession.web.UnifiedHttpSession"), count.body() + s.log());
        assertTrue(s.get("/app/count", cookieOf(count)).body().contains("count=2"));
    }
}
