package dev.unisession.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.codec.AttributeCodec;
import dev.unisession.store.SessionDelta;
import dev.unisession.store.SessionRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ActiveSessionTest {

    private final AttributeCodec codec = new AttributeCodec(getClass().getClassLoader(), n -> false, List.of());

    private SessionRecord stored(Map<String, Object> values) {
        Map<String, byte[]> attrs = new java.util.LinkedHashMap<>();
        values.forEach((k, v) -> attrs.put(k, codec.encode(k, v)));
        return new SessionRecord("id", null, null, 1000, 2000, 600, 3, null, attrs);
    }

    @Test
    @SuppressWarnings("unchecked")
    void inPlaceChangesAreDetectedAndReadsAreNotWritten() {
        ActiveSession s = ActiveSession.of(
                codec,
                stored(Map.of(
                        "list", new ArrayList<>(List.of("a")), "name", "n", "other", new ArrayList<>(List.of("z")))),
                5000);
        assertEquals("n", s.getAttribute("name"));
        s.getAttribute("other");
        SessionDelta readOnly = s.delta();
        assertTrue(readOnly.isTouchOnly(), readOnly.toString());
        assertEquals(5000, readOnly.lastAccessedAt());
        assertEquals(2000, s.lastAccessedAt(), "the app sees the previous request's time");

        ((List<String>) s.getAttribute("list")).add("b");
        SessionDelta d = s.delta();
        assertEquals(Set.of("list"), d.changed().keySet());
        assertEquals(List.of("a", "b"), codec.decode(d.changed().get("list")));
        s.committed(d, 4);
        assertTrue(s.delta().isTouchOnly(), "nothing new after commit");
    }

    /**
     * The session size limit holds for changes made in place too (security review, finding 9): a list read and
     * grown past {@code max-session-bytes} is not saved at commit (its stored value stays, the error is logged), while
     * a change within the limit in the same request still is. Before, only {@code setAttribute} checked the limit, and
     * 4,310 bytes were written with a 1,500 limit.
     */
    @Test
    @SuppressWarnings("unchecked")
    void aChangeInPlacePastTheSessionLimitIsRefusedAtCommit() {
        AttributeCodec small = new AttributeCodec(getClass().getClassLoader(), n -> false, List.of(), 100_000, 1_500);
        Map<String, byte[]> attrs = new java.util.LinkedHashMap<>();
        attrs.put("list", small.encode("list", new ArrayList<>(List.of("a"))));
        attrs.put("name", small.encode("name", "n"));
        ActiveSession s =
                ActiveSession.of(small, new SessionRecord("id", null, null, 1000, 2000, 600, 3, null, attrs), 5000);
        List<String> list = (List<String>) s.getAttribute("list");
        for (int i = 0; i < 400; i++) list.add("item-" + i);
        s.setAttribute("name", "m");
        SessionDelta d = s.delta();
        assertEquals(Set.of("name"), d.changed().keySet(), "the grown list is refused, the small change stays");
        long total = 0;
        for (byte[] b : d.after(4).attributes().values()) total += b.length;
        assertTrue(total <= 1_500, "stored state within the limit: " + total);
        assertEquals(List.of("a"), small.decode(d.after(4).attributes().get("list")), "the stored list is kept");
    }

    /**
     * A request that only reads copies no attribute map: the delta's state, the record after it and one with a new
     * access time share the stored record's map. After a write, the next state holds the change and the record the
     * request started from is untouched.
     */
    @Test
    void readsShareTheRecordsAttributesAndWritesCopyThem() {
        SessionRecord r = stored(Map.of("a", "1", "b", "2"));
        ActiveSession s = ActiveSession.of(codec, r, 5000);
        assertEquals("1", s.getAttribute("a"));
        SessionDelta readOnly = s.delta();
        assertSame(r.attributes(), readOnly.after(r.version() + 1).attributes());
        assertSame(r.attributes(), r.accessedAt(6000).attributes());
        assertSame(r.attributes(), r.apply(readOnly).attributes());

        s.setAttribute("a", "1b");
        s.removeAttribute("b");
        SessionDelta d = s.delta();
        s.committed(d, r.version() + 1);
        assertEquals(Set.of("a"), d.after(r.version() + 1).attributes().keySet());
        assertEquals("1b", codec.decode(d.after(r.version() + 1).attributes().get("a")));
        assertEquals(Set.of("a", "b"), r.attributes().keySet(), "the record the request started from is unchanged");
        assertEquals("1", codec.decode(r.attributes().get("a")));
        assertEquals(List.of("a"), s.attributeNames());
        assertTrue(s.delta().isTouchOnly(), "nothing new after commit");
    }

    @Test
    void setRemoveAndMetadata() {
        ActiveSession s = ActiveSession.of(codec, stored(Map.of("a", "1", "b", "2")), 5000);
        assertEquals("1", s.setAttribute("a", "1b"));
        assertEquals("2", s.removeAttribute("b"));
        s.setAttribute("c", 3);
        s.setAttribute("c", null);
        s.setMaxInactiveSeconds(60);
        SessionDelta d = s.delta();
        assertEquals(Set.of("a"), d.changed().keySet());
        assertEquals(Set.of("b"), d.removed());
        assertTrue(d.metadataChanged());
        assertEquals(60, d.maxInactiveSeconds());
        assertEquals(List.of("a"), s.attributeNames());
    }

    @Test
    void settingAnUnstorableValueFailsAndChangesNothing() {
        ActiveSession s = ActiveSession.of(codec, stored(Map.of("a", "1")), 5000);
        assertThrows(IllegalArgumentException.class, () -> s.setAttribute("a", new Object()));
        assertEquals("1", s.getAttribute("a"));
        assertTrue(s.delta().isTouchOnly());
    }

    @Test
    void newSessionCarriesEverythingInItsFirstDelta() {
        ActiveSession s = ActiveSession.create(codec, "new", 7000, 1800);
        s.setAttribute("x", "y");
        SessionDelta d = s.delta();
        assertTrue(d.created());
        assertEquals(Set.of("x"), d.changed().keySet());
        assertEquals(7000, d.toRecord().createdAt());
    }
}
