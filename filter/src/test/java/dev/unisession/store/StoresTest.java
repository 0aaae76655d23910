package dev.unisession.store;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.config.UnisessionConfig;
import dev.unisession.testing.TestStores;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Opening a store as configured with this module alone: memory is its own, every other type names the module it
 * needs (the storage modules' own tests open theirs, start-up errors without passwords included).
 */
class StoresTest {

    @Test
    void memoryNeedsNoOtherModule() {
        SessionStore s = dev.unisession.boot.Bootstrap.store(
                TestStores.config(Map.of("unisession.store", "memory")),
                getClass().getClassLoader(),
                Clock.systemUTC());
        assertInstanceOf(MemoryStore.class, s);
        s.close();
    }

    @Test
    void aStoreWhoseModuleIsMissingNamesTheModule() {
        for (String[] typeAndModule : new String[][] {
            {"redis", "needs unisession-redis on the class path"},
            {"jpa", "needs unisession-jpa on the class path"},
            {"memory-jpa", "needs unisession-jpa on the class path"},
            {"tiered", "needs unisession-jpa and unisession-redis on the class path"}
        }) {
            UnisessionConfig c = TestStores.config(Map.of(
                    "unisession.store",
                    typeAndModule[0],
                    "unisession.jpa.url",
                    "jdbc:h2:mem:x",
                    "unisession.redis.url",
                    "redis://127.0.0.1:6379"));
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> dev.unisession.boot.Bootstrap.store(c, getClass().getClassLoader(), Clock.systemUTC()));
            assertTrue(
                    e.getMessage().contains("unisession.store=" + typeAndModule[0] + " " + typeAndModule[1]),
                    e.getMessage());
        }
    }
}
