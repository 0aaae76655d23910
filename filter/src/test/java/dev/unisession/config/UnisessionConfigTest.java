package dev.unisession.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.testing.LogCapture;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnisessionConfigTest {

    private static UnisessionConfig of(Map<String, String> init) {
        return UnisessionConfig.from(List.of(ConfigSource.of("init-param", init)));
    }

    @Test
    void defaultsAreSecure() {
        UnisessionConfig c = of(Map.of());
        assertEquals(dev.unisession.store.StoreType.MEMORY, c.storage().type());
        assertEquals(CookieSettings.Secure.AUTO, c.cookie().secure(), "Secure when the request is secure");
        assertFalse(c.cookie().alwaysSecure());
        assertEquals(CookieSettings.SameSite.LAX, c.cookie().sameSite());
        assertEquals("USESSION", c.cookie().name());
        assertNull(c.token().keys());
        assertNull(c.sessionTimeout(), "null: use the container's session-config");
        assertEquals(Duration.ofHours(24), c.token().ttl());
    }

    @Test
    void cookieSecureTakesAutoTrueFalseAndSettingsThatNeedSecureMakeAutoAlways() {
        assertEquals(
                CookieSettings.Secure.AUTO,
                of(Map.of("unisession.cookie.secure", "Auto")).cookie().secure());
        UnisessionConfig on = of(Map.of("unisession.cookie.secure", "true"));
        assertEquals(CookieSettings.Secure.TRUE, on.cookie().secure());
        assertTrue(on.cookie().alwaysSecure());
        UnisessionConfig off = of(Map.of("unisession.cookie.secure", "FALSE"));
        assertEquals(CookieSettings.Secure.FALSE, off.cookie().secure());
        assertFalse(off.cookie().alwaysSecure());
        assertTrue(
                of(Map.of("unisession.cookie.same-site", "None")).cookie().alwaysSecure(),
                "browsers keep SameSite=None cookies only when Secure");
        assertTrue(
                of(Map.of("unisession.cookie.name", "__Secure-SID")).cookie().alwaysSecure(),
                "browsers keep __Secure- cookies only when Secure");
    }

    @Test
    void firstSourceWins() {
        UnisessionConfig c = UnisessionConfig.from(List.of(
                ConfigSource.of("init-param", Map.of("unisession.cookie.name", "A")),
                ConfigSource.of("system property", Map.of("unisession.cookie.name", "B", "unisession.token.ttl", "2h")),
                ConfigSource.environment(Map.of("UNISESSION_TOKEN_TTL", "3h", "UNISESSION_COOKIE_SAME_SITE", "strict")),
                ConfigSource.of(
                        "classpath unisession.properties",
                        Map.of("unisession.expiry.batch-size", "7", "unisession.cookie.same-site", "none"))));
        assertEquals("A", c.cookie().name());
        assertEquals(Duration.ofHours(2), c.token().ttl());
        assertEquals(CookieSettings.SameSite.STRICT, c.cookie().sameSite());
        assertEquals(7, c.expiryBatchSize());
        assertEquals("environment variable", c.origin(ConfigKey.COOKIE_SAME_SITE));
    }

    @Test
    void unknownKeysFailNamingTheKey() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> of(Map.of("unisession.cookie.nmae", "x")));
        assertTrue(e.getMessage().contains("unisession.cookie.nmae"), e.getMessage());
        IllegalArgumentException sys = assertThrows(
                IllegalArgumentException.class,
                () -> UnisessionConfig.from(
                        List.of(ConfigSource.of("system property", Map.of("unisession.opts", "x")))));
        assertTrue(sys.getMessage().contains("'unisession.opts' (from system property)"), sys.getMessage());
        IllegalArgumentException file = assertThrows(
                IllegalArgumentException.class,
                () -> UnisessionConfig.from(
                        List.of(ConfigSource.of("classpath unisession.properties", Map.of("unisession.home", "x")))));
        assertTrue(file.getMessage().contains("'unisession.home'"), file.getMessage());
        IllegalArgumentException bare =
                assertThrows(IllegalArgumentException.class, () -> of(Map.of("cookie.name", "x")));
        assertTrue(bare.getMessage().contains("'cookie.name'"), bare.getMessage());
    }

    /** The environment is shared with everything on the host: a UNISESSION_* name that is no key is warned of once. */
    @Test
    void anEnvironmentVariableThatIsNoKeyIsIgnoredWithOneWarning() {
        try (LogCapture log = LogCapture.of(UnisessionConfig.class)) {
            String name = "UNISESSION_OPTS_" + System.nanoTime();
            for (int i = 0; i < 2; i++) { // the initializer and the filter both read the settings
                UnisessionConfig c = UnisessionConfig.from(List.of(
                        ConfigSource.of("init-param", Map.of()),
                        ConfigSource.environment(Map.of(name, "x", "UNISESSION_COOKIE_NAME", "FROMENV"))));
                assertEquals("FROMENV", c.cookie().name(), "the variables that are keys still count");
            }
            List<LogRecord> warnings = log.at(Level.WARNING);
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(
                    warnings.get(0).getMessage().contains(name), warnings.get(0).getMessage());
        }
        IllegalArgumentException init = assertThrows(
                IllegalArgumentException.class,
                () -> UnisessionConfig.from(List.of(
                        ConfigSource.of("init-param", Map.of("unisession.opts", "x")),
                        ConfigSource.environment(Map.of("UNISESSION_OPTS", "x")))));
        assertTrue(init.getMessage().contains("'unisession.opts' (from init-param)"), init.getMessage());
    }

    @Test
    void badValuesFailNamingTheKey() {
        Map<String, String> bad = Map.of(
                "unisession.cookie.secure", "yes",
                "unisession.cookie.same-site", "sometimes",
                "unisession.token.ttl", "forever",
                "unisession.expiry.batch-size", "0",
                "unisession.store", "floppy",
                "unisession.cookie.name", "a b",
                "unisession.cookie.path", "relative",
                "unisession.session.timeout", "-5s");
        bad.forEach((k, v) -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> of(Map.of(k, v)), k);
            assertTrue(e.getMessage().contains(k), e.getMessage());
        });
        IllegalArgumentException none = assertThrows(
                IllegalArgumentException.class,
                () -> of(Map.of("unisession.cookie.same-site", "None", "unisession.cookie.secure", "false")));
        assertTrue(none.getMessage().contains("unisession.cookie.same-site"));
        IllegalArgumentException prefixed = assertThrows(
                IllegalArgumentException.class,
                () -> of(Map.of("unisession.cookie.name", "__Host-SID", "unisession.cookie.secure", "false")));
        assertTrue(prefixed.getMessage().contains("unisession.cookie.name"), prefixed.getMessage());
    }

    @Test
    void durationsAcceptUnitsAndIso() {
        assertEquals(Duration.ofSeconds(90), UnisessionConfig.parseDuration("90"));
        assertEquals(Duration.ofMillis(500), UnisessionConfig.parseDuration("500ms"));
        assertEquals(Duration.ofMinutes(15), UnisessionConfig.parseDuration("15m"));
        assertEquals(Duration.ofDays(7), UnisessionConfig.parseDuration("7d"));
        assertEquals(Duration.ofMinutes(30), UnisessionConfig.parseDuration("PT30M"));
        assertNull(UnisessionConfig.parseDuration("soon"));
    }

    @Test
    void toStringMasksSecrets() {
        UnisessionConfig c = of(Map.of("unisession.token.keys", "k1:c2VjcmV0LXRoYXQtbXVzdC1ub3QtbGVhaw=="));
        assertFalse(c.toString().contains("c2VjcmV0"), c.toString());
        assertTrue(c.toString().contains("unisession.token.keys=****"), c.toString());
    }

    /**
     * Every way a password sits in a URL is masked wherever the library prints one (security review, finding 7):
     * userinfo ({@code scheme://user:pass@host}, also with an empty user), Oracle's {@code user/pass@}, and
     * {@code password=} / {@code pwd=} parameters; the configuration's own line shows none of them.
     */
    @Test
    void urlsAreMaskedInEveryForm() {
        assertEquals(
                "jdbc:mariadb://app:****@db:3306/s", UnisessionConfig.maskUrl("jdbc:mariadb://app:S3cret@db:3306/s"));
        assertEquals("redis://:****@127.0.0.1:6379", UnisessionConfig.maskUrl("redis://:pw@127.0.0.1:6379"));
        assertEquals(
                "jdbc:oracle:thin:app/****@db:1521/svc",
                UnisessionConfig.maskUrl("jdbc:oracle:thin:app/S3cret@db:1521/svc"));
        assertEquals(
                "jdbc:postgresql://db/s?user=app&password=****&ssl=true",
                UnisessionConfig.maskUrl("jdbc:postgresql://db/s?user=app&password=S3cret&ssl=true"));
        assertEquals(
                "jdbc:sqlserver://db;user=app;pwd=****;db=s",
                UnisessionConfig.maskUrl("jdbc:sqlserver://db;user=app;pwd=S3cret;db=s"));
        assertEquals("jdbc:h2:mem:x;DB_CLOSE_DELAY=-1", UnisessionConfig.maskUrl("jdbc:h2:mem:x;DB_CLOSE_DELAY=-1"));
        assertEquals("redis://127.0.0.1:6379", UnisessionConfig.maskUrl("redis://127.0.0.1:6379"));
        UnisessionConfig c = of(Map.of(
                "unisession.jpa.url",
                "jdbc:oracle:thin:app/S3cret@db:1521/svc",
                "unisession.redis.url",
                "redis://:pw0rd@127.0.0.1:6379",
                "unisession.jpa.password",
                "Hidden1"));
        for (String secret : List.of("S3cret", "pw0rd", "Hidden1")) {
            assertFalse(c.toString().contains(secret), c.toString());
            assertEquals("failed for **** at ****", c.scrub("failed for " + secret + " at " + secret));
        }
    }

    /** An exception whose message (or a cause's) holds a secret is replaced by one that does not, stack kept. */
    @Test
    void exceptionsCarryingASecretAreScrubbed() {
        UnisessionConfig c = of(Map.of("unisession.jpa.url", "jdbc:mariadb://app:S3cret@db/s"));
        RuntimeException e = new IllegalStateException(
                "cannot open", new RuntimeException("Access denied for jdbc:mariadb://app:S3cret@db/s"));
        RuntimeException s = c.scrubbed(e);
        assertFalse(String.valueOf(s.getMessage()).contains("S3cret"), s.getMessage());
        for (Throwable t = s; t != null; t = t.getCause()) {
            assertFalse(String.valueOf(t.getMessage()).contains("S3cret"), String.valueOf(t.getMessage()));
        }
        assertTrue(s.getMessage().contains("Access denied for jdbc:mariadb://app:****@db/s"), s.getMessage());
        assertEquals(e.getStackTrace().length, s.getStackTrace().length);
        RuntimeException clean = new IllegalStateException("nothing secret");
        assertSame(clean, c.scrubbed(clean));
    }

    @Test
    void readsThePropertiesFileAndRejectsUnknownKeysThere(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(UnisessionConfig.PROPERTIES_FILE), "unisession.cookie.name=FROMFILE\n");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, null)) {
            assertEquals(
                    "FROMFILE",
                    UnisessionConfig.load("init-param", Map.of(), loader)
                            .cookie()
                            .name());
            assertEquals(
                    "INIT",
                    UnisessionConfig.load("init-param", Map.of("unisession.cookie.name", "INIT"), loader)
                            .cookie()
                            .name());
        }
        Files.writeString(dir.resolve(UnisessionConfig.PROPERTIES_FILE), "unisession.bogus=1\n");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, null)) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> UnisessionConfig.load("init-param", Map.of(), loader));
            assertTrue(e.getMessage().contains("unisession.bogus")
                    && e.getMessage().contains("unisession.properties"));
        }
    }

    @Test
    void systemPropertiesCountBetweenInitParamsAndFile() {
        System.setProperty("unisession.cookie.name", "FROMSYS");
        try {
            assertEquals(
                    "FROMSYS",
                    UnisessionConfig.load("init-param", Map.of(), null).cookie().name());
            assertEquals(
                    "INIT",
                    UnisessionConfig.load("init-param", Map.of("unisession.cookie.name", "INIT"), null)
                            .cookie()
                            .name());
        } finally {
            System.clearProperty("unisession.cookie.name");
        }
    }

    @Test
    void importedSessionsAreTakenOverUntilTheConfiguredEnd() {
        long now = java.time.Instant.parse("2027-01-15T12:00:00Z").toEpochMilli();
        assertFalse(of(Map.of()).migration().takesOverImported(now), "nothing imported");
        Map<String, String> imported =
                Map.of("unisession.migrate.from", "tomcat-jdbc", "unisession.migrate.cookie", "JSESSIONID");
        assertTrue(of(imported).migration().takesOverImported(now), "no end configured");
        Map<String, String> until = new java.util.HashMap<>(imported);
        until.put("unisession.migrate.until", "2027-01-31");
        assertTrue(of(until).migration().takesOverImported(now));
        assertFalse(
                of(until)
                        .migration()
                        .takesOverImported(
                                java.time.Instant.parse("2027-01-31T00:00:00Z").toEpochMilli()),
                "ended");
    }
}
