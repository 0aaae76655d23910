package dev.unisession.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.config.ConfigSource;
import dev.unisession.config.UnisessionConfig;
import dev.unisession.testing.DecodeBombs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Issue 20, finding 2: whoever can write a stored record must not be able to hang the readers (request threads,
 * {@code export-user}, {@code migrate}, the expiry sweeper). Each of these payloads is at most 64 KB and must be
 * refused as an unreadable attribute in under 50 ms of CPU time. With the old limits (depth 100, 1 M references, 16 MB,
 * arrays of 10 M) the set and map bombs took seconds (time doubles per level), the flood and the 10 M array were
 * read, and the stream limit was 16 MB whatever {@code max-attribute-bytes} said.
 */
class DecodeBombTest {

    private static final long BUDGET_MS = 50;

    private final AttributeCodec codec = new AttributeCodec(getClass().getClassLoader(), n -> false, List.of());

    /** Class loading and the first compilation of the stream code are not what is measured. */
    @org.junit.jupiter.api.BeforeEach
    void warmUp() throws IOException {
        for (int i = 0; i < 20; i++) {
            codec.decode(codec.encode("w", new ArrayList<>(List.of("a", "b", Set.of(1), Map.of("k", 2L)))));
            Object[] deep = new Object[] {"x"};
            for (int d = 0; d < 30; d++) deep = new Object[] {deep};
            byte[] data = serialized(deep);
            assertThrows(AttributeDecodeException.class, () -> codec.decode(data));
        }
    }

    @Test
    void nestedHashSetBomb() throws IOException {
        refusedQuickly("nested HashSet", serialized(DecodeBombs.setBomb(25)));
    }

    /** The deepest set bomb the default depth lets through costs a bounded few milliseconds, not seconds. */
    @Test
    void setBombsWithinTheDepthLimitAreCheap() throws IOException {
        int accepted = 0;
        for (int depth = 10; depth <= 25; depth++) {
            byte[] data = serialized(DecodeBombs.setBomb(depth));
            long t0 = cpuNanos();
            try {
                codec.decode(data);
                accepted = depth;
            } catch (AttributeDecodeException refused) {
                // past the depth limit
            }
            long ms = (cpuNanos() - t0) / 1_000_000;
            assertTrue(ms < BUDGET_MS, "set bomb of depth " + depth + " took " + ms + " ms");
        }
        assertTrue(accepted >= 10 && accepted < 25, "deepest accepted " + accepted);
    }

    @Test
    void nestedHashMapBomb() throws IOException {
        refusedQuickly("nested HashMap", serialized(mapBomb(25)));
    }

    @Test
    void hashSetBombInsideDeepLists() throws IOException {
        Object v = DecodeBombs.setBomb(20);
        for (int i = 0; i < 5; i++) v = new ArrayList<>(List.of(v));
        refusedQuickly("lists around a HashSet bomb", serialized(v));
    }

    @Test
    void deeplyNestedArrays() throws IOException {
        Object[] v = new Object[] {"x"};
        for (int i = 0; i < 60; i++) v = new Object[] {v};
        refusedQuickly("nested Object[]", serialized(v));
    }

    @Test
    void referenceFlood() throws IOException {
        String s = "x";
        List<Object> v = new ArrayList<>();
        for (int i = 0; i < 12_000; i++) v.add(s);
        byte[] data = serialized(v);
        assertTrue(data.length <= 64 * 1024, data.length + " bytes");
        refusedQuickly("reference flood", data);
    }

    @Test
    void hugeDeclaredArray() throws IOException {
        // a long[] header claiming 10 M elements (80 MB allocated before the data runs out), followed by nothing
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(1);
        try (ObjectOutputStream o = new ObjectOutputStream(b)) {
            o.writeObject(new long[1]);
        }
        byte[] data = b.toByteArray();
        // the array length is the int right before the last element's 8 bytes
        int at = data.length - 8 - 4;
        java.nio.ByteBuffer.wrap(data).putInt(at, 10_000_000);
        refusedQuickly("array of 10 M declared", data);
    }

    @Test
    void streamLongerThanTheAttributeLimit() throws IOException {
        AttributeCodec small = new AttributeCodec(getClass().getClassLoader(), n -> false, List.of(), 1024, 4096);
        ArrayList<String> v = new ArrayList<>();
        for (int i = 0; i < 100; i++) v.add("value-" + i);
        byte[] data = serialized(v);
        assertTrue(data.length > 1024);
        AttributeDecodeException e = assertThrows(AttributeDecodeException.class, () -> small.decode(data));
        assertTrue(e.getMessage().contains("unisession.codec.max-attribute-bytes"), e.getMessage());
    }

    @Test
    void ordinaryGraphsStillDecode() {
        Map<String, Object> cart = new HashMap<>();
        List<Map<String, Object>> lines = new ArrayList<>();
        for (int i = 0; i < 500; i++)
            lines.add(new HashMap<>(Map.of("sku", "A" + i, "qty", i, "tags", Set.of("t" + i))));
        cart.put("lines", lines);
        assertEquals(cart, codec.decode(codec.encode("cart", new HashMap<>(cart))));
        assertEquals(90_000, ((byte[]) codec.decode(codec.encode("bytes", new byte[90_000]))).length);
    }

    @Test
    void limitsAreConfigurable() {
        UnisessionConfig config = UnisessionConfig.from(List.of(ConfigSource.of(
                "test",
                Map.of(
                        "unisession.codec.max-depth",
                        "8",
                        "unisession.codec.max-references",
                        "100",
                        "unisession.codec.max-array-length",
                        "10"))));
        AttributeCodec strict =
                dev.unisession.boot.Bootstrap.codec(config, getClass().getClassLoader(), n -> false, List.of());
        Object v = List.of(List.of(List.of(List.of(List.of(List.of(List.of(List.of("x"))))))));
        byte[] ok = codec.encode("deep", new ArrayList<>(List.of(v)));
        assertThrows(AttributeDecodeException.class, () -> strict.decode(ok));
        assertThrows(AttributeDecodeException.class, () -> strict.decode(codec.encode("a", new int[11])));
        assertEquals(10, ((int[]) strict.decode(codec.encode("a", new int[10]))).length);
        IllegalArgumentException tooLong =
                assertThrows(IllegalArgumentException.class, () -> strict.encode("a", new int[11]));
        assertTrue(tooLong.getMessage().contains("unisession.codec.max-array-length"), tooLong.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> UnisessionConfig.from(
                        List.of(ConfigSource.of("test", Map.of("unisession.codec.max-depth", "0")))));
    }

    private void refusedQuickly(String what, byte[] data) {
        assertTrue(data.length <= 64 * 1024, what + ": " + data.length + " bytes");
        long t0 = cpuNanos();
        Supplier<Object> decode = () -> codec.decode(data);
        assertThrows(AttributeDecodeException.class, decode::get, what);
        long ms = (cpuNanos() - t0) / 1_000_000;
        assertTrue(ms < BUDGET_MS, what + " took " + ms + " ms");
    }

    /** This thread's CPU time: the budget is about work done, and the test machine may be shared and loaded. */
    private static long cpuNanos() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    /** The bytes {@link AttributeCodec#encode} would store for this value, written without the codec's checks. */
    private static byte[] serialized(Object value) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(1);
        try (ObjectOutputStream o = new ObjectOutputStream(b)) {
            o.writeObject(value);
        }
        return b.toByteArray();
    }

    /** The same with maps whose keys are the next level's maps. */
    static Map<Object, Object> mapBomb(int depth) {
        Map<Object, Object> root = new HashMap<>();
        Map<Object, Object> m1 = root;
        Map<Object, Object> m2 = new HashMap<>();
        for (int i = 0; i < depth; i++) {
            Map<Object, Object> t1 = new HashMap<>();
            Map<Object, Object> t2 = new HashMap<>();
            t1.put("foo", "bar");
            m1.put(t1, "a");
            m1.put(t2, "b");
            m2.put(t1, "a");
            m2.put(t2, "b");
            m1 = t1;
            m2 = t2;
        }
        return root;
    }
}
