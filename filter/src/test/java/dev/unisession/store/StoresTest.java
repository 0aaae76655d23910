package dev.unisession.store;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.config.ConfigSource;
import dev.unisession.config.UnisessionConfig;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Opening a store as configured: a start-up error never shows a password of the configuration (finding 7). */
class StoresTest {

    private static UnisessionConfig config(Map<String, String> settings) {
        return UnisessionConfig.from(List.of(ConfigSource.of("test", settings)));
    }

    private static void assertNoSecret(Throwable e, String secret) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            assertFalse(String.valueOf(t.getMessage()).contains(secret), "shown: " + t);
            if (t.getCause() == t) break;
        }
    }

    @Test
    void aDatabaseThatCannotBeOpenedIsNamedWithoutItsPassword() {
        UnisessionConfig c = config(Map.of(
                "unisession.store",
                "jpa",
                "unisession.jpa.url",
                "jdbc:postgresql://127.0.0.1:1/test?user=app&password=S3cretValue",
                "unisession.jpa.password",
                "An0therSecret"));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> dev.unisession.boot.Bootstrap.store(c, getClass().getClassLoader(), Clock.systemUTC()));
        assertTrue(
                e.getMessage().contains("unisession.jpa.url=jdbc:postgresql://127.0.0.1:1/test?user=app&password=****"),
                e.getMessage());
        assertNoSecret(e, "S3cretValue");
        assertNoSecret(e, "An0therSecret");
    }

    @Test
    void aRedisUrlThatCannotBeReadIsNotEchoedWithItsPassword() {
        UnisessionConfig c = config(
                Map.of("unisession.store", "redis", "unisession.redis.url", "redis://:S3cret Pw@127.0.0.1:6379"));
        RuntimeException e = assertThrows(
                RuntimeException.class,
                () -> dev.unisession.boot.Bootstrap.store(c, getClass().getClassLoader(), Clock.systemUTC()));
        assertNoSecret(e, "S3cret Pw");
        assertNoSecret(e, "S3cret");
    }
}
