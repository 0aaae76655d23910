package dev.unisession.store.jpa;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.store.SessionRecord;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which attributes a session row keeps in its columns, and the small attributes column's value. */
class SessionRowTest {

    private static byte[] bytes(int n, char c) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) c);
        return b;
    }

    @Test
    void smallValuesWithShortNamesAndTheStampAreKeptInTheRow() {
        assertTrue(SessionRow.inRow("a", bytes(SessionRow.SMALL_BYTES, 'x')));
        assertFalse(SessionRow.inRow("a", bytes(SessionRow.SMALL_BYTES + 1, 'x')));
        assertTrue(SessionRow.inRow("n".repeat(SessionRow.SMALL_NAME), new byte[0]));
        assertFalse(SessionRow.inRow("n".repeat(SessionRow.SMALL_NAME + 1), new byte[0]));
        assertTrue(SessionRow.inRow(SessionRecord.APPLICATION, bytes(SessionRow.STAMP_BYTES, 's')));
        assertFalse(SessionRow.inRow(SessionRecord.APPLICATION, bytes(SessionRow.STAMP_BYTES + 1, 's')));
        assertFalse(SessionRow.inRow("a", null));
    }

    @Test
    void theColumnHoldsExactlyTheSmallAttributesButTheStamp() {
        Map<String, byte[]> all = new LinkedHashMap<>();
        all.put("a", new byte[] {0, -1, 127, -128});
        all.put("\u00e9t\u00e9 \u2603", new byte[0]);
        all.put("edge", bytes(SessionRow.SMALL_BYTES, 'e'));
        all.put("big", bytes(SessionRow.SMALL_BYTES + 1, 'b'));
        all.put(SessionRecord.APPLICATION, "shop".getBytes(StandardCharsets.UTF_8));
        Map<String, byte[]> read = SessionRow.decode(SessionRow.smallOf(all));
        assertEquals(List.of("a", "\u00e9t\u00e9 \u2603", "edge"), List.copyOf(read.keySet()));
        read.forEach((n, v) -> assertArrayEquals(all.get(n), v, n));
        assertNull(SessionRow.smallOf(Map.of("big", bytes(SessionRow.SMALL_BYTES + 1, 'b'))));
        assertEquals(Map.of(), SessionRow.decode(null));
    }

    @Test
    void aChangeMovesAttributesInAndOutOfTheColumn() {
        SessionRow row = new SessionRow("id");
        row.columnsOf(Map.of("a", new byte[] {1}, "b", new byte[] {2}, SessionRecord.APPLICATION, new byte[] {9}));
        row.applyToColumns(Map.of("a", bytes(SessionRow.SMALL_BYTES + 1, 'x'), "c", new byte[] {3}), Set.of("b"));
        Map<String, byte[]> cols = row.withColumns(Map.of());
        assertEquals(Set.of("c", SessionRecord.APPLICATION), cols.keySet());
        // what the columns hold wins over a row of the same name (one a larger value left behind)
        assertArrayEquals(
                new byte[] {3}, row.withColumns(Map.of("c", new byte[] {7})).get("c"));
        row.applyToColumns(Map.of(), Set.of("c", SessionRecord.APPLICATION));
        assertNull(row.attributes);
        assertNull(row.application);
    }

    @Test
    void aColumnValueThisVersionCannotReadFailsLoudly() {
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> SessionRow.decode(new byte[] {0, 5, 'a'}));
        assertTrue(e.getMessage().contains("attributes column"), e.getMessage());
    }
}
