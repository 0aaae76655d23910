package dev.unisession.store.redis;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The Redis store's scripts as read from their resources (RedisStoreTest and the contract suite run them). */
class LuaScriptsTest {

    @Test
    void everyScriptLoadsWithItsIncludesExpandedAndNoComments() {
        for (String n : List.of("write", "delete", "take", "claim", "count", "due", "scan", "check", "adopt")) {
            String s = LuaScripts.load(n);
            assertFalse(s.isBlank(), n);
            assertFalse(s.contains("--"), n + " still holds a comment or an include: " + s);
            assertFalse(s.contains("$"), n + " holds an unreplaced argument: " + s);
        }
        // The shared parts take the names each includer gives them.
        assertTrue(LuaScripts.load("write").startsWith("local ep = ARGV[4]\n"));
        assertTrue(LuaScripts.load("write").contains("redis.call('GET', KEYS[4])"));
        assertTrue(LuaScripts.load("check").contains("redis.call('GET', KEYS[1])"));
        assertTrue(LuaScripts.load("take").startsWith("local h = redis.call('HGETALL', KEYS[1])"));
        assertTrue(LuaScripts.load("claim").contains("redis.call('SET', KEYS[3], '1', 'PX', ARGV[3])"));
    }

    @Test
    void aMissingScriptOrArgumentIsAClearError() {
        assertTrue(assertThrows(IllegalStateException.class, () -> LuaScripts.load("nonesuch"))
                .getMessage()
                .contains("nonesuch.lua"));
        // take-hash needs three arguments; loaded alone it has none
        assertTrue(assertThrows(IllegalStateException.class, () -> LuaScripts.load("take-hash"))
                .getMessage()
                .contains("argument is missing"));
    }
}
