package dev.unisession.it;

import static dev.unisession.it.Distribution.plainWar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.it.Distribution.Server;
import dev.unisession.testing.Resp;
import dev.unisession.testing.Services;
import dev.unisession.testing.TestStores;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Security review, finding 1: two applications in one Tomcat (the real distribution) with the -all jar each, and
 * the settings every webapp of the JVM gets ({@code -Dunisession.*}): the same signing keys, one Redis, one key
 * prefix. A cookie of one is "no session" in the other, refused before any store lookup (the stored session's key
 * is not touched), and the reverse; each application's own session lives on.
 */
class CrossApplicationTest {

    private final String keys = Keys.entry("k1", Keys.secret());
    private final String prefix = TestStores.uniquePrefix();
    private Server server;

    @AfterEach
    void cleanUp() {
        if (server != null) server.stop();
        new Resp(Services.REDIS_PORT).deleteAll(prefix + "*");
    }

    @Test
    void aCookieOfOneApplicationIsNoSessionInAnotherSharingKeysAndRedis() throws Exception {
        Path war = plainWar(Files.createTempDirectory("war").resolve("app"), List.of(AllJarTest.allJar()));
        server = Distribution.tomcat(
                war,
                false,
                List.of(
                        "-Dunisession.store=redis",
                        "-Dunisession.redis.url=" + Services.redisUrl(),
                        "-Dunisession.redis.prefix=" + prefix,
                        "-Dunisession.token.keys=" + keys,
                        "-Dunisession.cookie.secure=false"));
        Distribution.copyTree(war, server.base.resolve("webapps/other"));
        server.start();

        crossing("/app", "/other");
        crossing("/other", "/app");
        String log = server.fullLog();
        assertTrue(log.contains("application 'app'") && log.contains("application 'other'"), log);
    }

    /** A session made in {@code from}; its cookie replayed to {@code to}; the session in {@code from} unharmed. */
    private void crossing(String from, String to) throws Exception {
        HttpResponse<String> made = server.get(from + "/count", null);
        assertEquals(200, made.statusCode(), made.body() + server.log());
        String cookie = cookieOf(made);
        assertNotNull(cookie, made.headers().toString());
        String key = prefix + "{" + sessionId(cookie) + "}";
        Resp redis = new Resp(Services.REDIS_PORT);
        assertEquals(1L, redis.call("EXISTS", key), "stored under " + key);
        Thread.sleep(2100); // OBJECT IDLETIME counts whole seconds; any access sets it back to 0

        HttpResponse<String> replayed = server.get(to + "/count", cookie);
        assertEquals(200, replayed.statusCode(), replayed.body());
        assertTrue(replayed.body().contains("count=1"), from + "'s cookie in " + to + ": " + replayed.body());
        String fresh = cookieOf(replayed);
        assertNotNull(fresh, "a session of its own");
        assertNotEquals(sessionId(cookie), sessionId(fresh));
        long idle = ((Number) redis.call("OBJECT", "IDLETIME", key)).longValue();
        assertTrue(idle >= 2, "the other application's session was looked up (idle " + idle + " s)");

        HttpResponse<String> again = server.get(from + "/count", cookie);
        assertTrue(again.body().contains("count=2"), from + "'s own session lives on: " + again.body());
    }

    private static String cookieOf(HttpResponse<String> r) {
        for (String c : r.headers().allValues("Set-Cookie")) {
            if (c.startsWith("USESSION=") && !c.startsWith("USESSION=;")) return c.substring(0, c.indexOf(';'));
        }
        return null;
    }

    private static final Pattern SID = Pattern.compile("\"sid\":\"([^\"]+)\"");

    /** The session id in a signed token's payload (readable: only its signature protects it). */
    private static String sessionId(String cookie) {
        String token = cookie.substring(cookie.indexOf('=') + 1);
        String payload = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8);
        Matcher m = SID.matcher(payload);
        assertTrue(m.find(), payload);
        return m.group(1);
    }
}
