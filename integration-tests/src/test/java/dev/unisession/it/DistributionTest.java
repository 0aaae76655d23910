package dev.unisession.it;

import static dev.unisession.it.Distribution.plainWar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.testing.Resp;
import dev.unisession.testing.Services;
import dev.unisession.testing.TestStores;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.unisession.it.Distribution.Server;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The drop-in jar in the real server distributions (Tomcat 11 and Jetty 12 from Maven Central, started with their
 * own scripts in processes of their own): a plain WAR that knows nothing of unisession gets unified sessions once
 * the -all jar is added — in its WEB-INF/lib, or in Tomcat's shared lib/ with the filter in conf/web.xml — keeps
 * them across a server restart (store=redis), and keeps its own, different Jackson and Netty.
 */
class DistributionTest {

    private final String keys = Keys.entry("k1", Keys.secret());
    private final String prefix = TestStores.uniquePrefix();
    private final List<Server> servers = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        for (Server s : servers) s.stop();
        new Resp(Services.REDIS_PORT).deleteAll(prefix + "*");
    }

    /** The settings, as the server JVM's system properties. */
    private List<String> settings() {
        return List.of("-Dunisession.store=redis", "-Dunisession.redis.url=" + Services.redisUrl(),
                "-Dunisession.redis.prefix=" + prefix, "-Dunisession.token.keys=" + keys,
                "-Dunisession.cookie.secure=false");
    }

    private Server tomcat(Path webapp, boolean sharedLib) throws Exception {
        Server s = Distribution.tomcat(webapp, sharedLib, settings());
        servers.add(s);
        return s;
    }

    private Server jetty(Path webapp, boolean sharedLib) throws Exception {
        Server s = Distribution.jetty(webapp, sharedLib, settings(), List.of());
        servers.add(s);
        return s;
    }

    private static String cookieOf(HttpResponse<String> r) {
        for (String c : r.headers().allValues("Set-Cookie")) {
            if (c.startsWith("USESSION=")) return c.substring(0, c.indexOf(';'));
        }
        return null;
    }

    /** Two visits, a restart, a third visit: the count goes on in a unified session with a JWT cookie. */
    private void unifiedAcrossARestart(Server s) throws Exception {
        s.start();
        HttpResponse<String> first = s.get("/app/count", null);
        assertEquals(200, first.statusCode(), first.body() + s.log());
        assertTrue(first.body().contains("session=dev.unisession.web.UnifiedHttpSession"), first.body());
        String cookie = cookieOf(first);
        assertNotNull(cookie, "a unisession cookie: " + first.headers().map());
        assertEquals(3, cookie.substring("USESSION=".length()).split("\\.").length, "a JWT: " + cookie);
        assertFalse(first.headers().allValues("Set-Cookie").stream().anyMatch(c -> c.startsWith("JSESSIONID")),
                "no container session: " + first.headers().map());
        assertTrue(s.get("/app/count", cookie).body().contains("count=2"));
        s.stop();
        s.start();
        HttpResponse<String> after = s.get("/app/count", cookie);
        assertTrue(after.body().contains("count=3"), "the session survived the restart: " + after.body());
    }

    @Test
    void tomcatWithTheJarInWebInfLib() throws Exception {
        Path war = plainWar(Files.createTempDirectory("war").resolve("app"), List.of(AllJarTest.allJar()));
        unifiedAcrossARestart(tomcat(war, false));
    }

    @Test
    void tomcatWithTheJarInTheServerLibAndTheFilterInConfWebXml() throws Exception {
        Path war = plainWar(Files.createTempDirectory("war").resolve("app"), List.of());
        unifiedAcrossARestart(tomcat(war, true));
    }

    @Test
    void jettyWithTheJarInWebInfLib() throws Exception {
        Path war = plainWar(Files.createTempDirectory("war").resolve("app"), List.of(AllJarTest.allJar()));
        unifiedAcrossARestart(jetty(war, false));
    }

    @Test
    void jettyWithTheJarInAnEe10ModuleAndTheFilterInWebdefault() throws Exception {
        Path war = plainWar(Files.createTempDirectory("war").resolve("app"), List.of());
        unifiedAcrossARestart(jetty(war, true));
    }

    @Test
    void anApplicationsOwnJacksonAndNettyKeepWorkingBesideTheJar() throws Exception {
        List<Path> libs = new ArrayList<>(List.of(AllJarTest.allJar()));
        try (Stream<Path> jars = Files.list(Distribution.dir("it.unisession.clashLib"))) {
            jars.forEach(libs::add);
        }
        assertEquals(6, libs.size(), libs.toString());
        Path war = plainWar(Files.createTempDirectory("war").resolve("app"), libs);
        Server s = tomcat(war, false).start();
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
