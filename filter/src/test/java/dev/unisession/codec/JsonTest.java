package dev.unisession.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unisession.api.SessionHealth;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The reports' JSON: valid, the same values back, and nothing in it that could break out of an HTML page. */
class JsonTest {

    private static final ObjectMapper READ = new ObjectMapper();

    @Test
    void stringsAreSafeInHtmlAndReadBackUnchanged() throws Exception {
        String hostile = "</script><b>&amp;\u2028\u2029\"\\\n\u0001 é 🙂";
        String json = Json.string(hostile);
        for (String raw : List.of("<", ">", "&", "\u2028", "\u2029", "\n", "\u0001")) {
            assertFalse(json.contains(raw), "raw " + raw.codePointAt(0) + " in " + json);
        }
        assertEquals(hostile, READ.readValue(json, String.class));
        assertEquals("null", Json.string(null));
    }

    @Test
    void theHealthReportKeepsItsSchema() throws Exception {
        SessionHealth h = new SessionHealth(
                SessionHealth.Status.DEGRADED,
                "tiered",
                3,
                "DATABASE",
                2,
                150,
                List.of(
                        new SessionHealth.Tier(
                                "redis", "primary", SessionHealth.Status.DOWN, 1.5, -1, 42, "Connection refused <x>"),
                        new SessionHealth.Tier("database", "fallback", SessionHealth.Status.UP, 0.25, 3, -1, null)));
        String json = h.toJson();
        assertTrue(
                json.startsWith("{\"status\":\"DEGRADED\",\"store\":\"tiered\",\"activeSessions\":3,"
                        + "\"mode\":\"DATABASE\",\"backlog\":2,\"flushLagMs\":150,\"tiers\":[{\"name\":\"redis\","
                        + "\"role\":\"primary\",\"status\":\"DOWN\",\"latencyMs\":1.500,\"sessions\":-1,\"calls\":42,"),
                json);
        JsonNode n = READ.readTree(json);
        assertEquals(
                "Connection refused <x>", n.get("tiers").get(0).get("error").asText());
        JsonNode db = n.get("tiers").get(1);
        assertEquals(0.25, db.get("latencyMs").asDouble());
        assertFalse(db.has("calls"), "not counted: left out");
        assertFalse(db.has("error"));
    }
}
