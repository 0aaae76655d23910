package dev.unisession.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URL;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AttributeCodecTest {

    /** Stands in for a library class (not the webapp's, not allowed by default). */
    static final class LibraryThing implements Serializable {
        private static final long serialVersionUID = 1L;
        final String v = "lib";
    }

    /** Stands in for a class in WEB-INF/classes. */
    static final class AppThing implements Serializable {
        private static final long serialVersionUID = 1L;
        final List<String> items = new ArrayList<>();

        @Override
        public boolean equals(Object o) {
            return o instanceof AppThing && ((AppThing) o).items.equals(items);
        }

        @Override
        public int hashCode() {
            return items.hashCode();
        }
    }

    private final AttributeCodec codec =
            new AttributeCodec(getClass().getClassLoader(), name -> name.equals(AppThing.class.getName()), List.of());

    @Test
    void jdkValuesRoundTrip() {
        Map<String, Object> m = new HashMap<>();
        m.put("list", new ArrayList<>(List.of("a", 1, 2L)));
        m.put("set", new LinkedHashSet<>(List.of("x")));
        m.put("tree", new TreeMap<>(Map.of("k", BigDecimal.TEN)));
        for (Object v : List.of(
                "text",
                "",
                "ünïcødé",
                42,
                Long.MAX_VALUE,
                true,
                false,
                3.5,
                UUID.randomUUID(),
                LocalDate.of(2026, 11, 30),
                URI.create("https://example.invalid/x"),
                m,
                List.of(1, 2),
                Map.of("a", 1),
                new int[] {1, 2, 3},
                new String[] {"a"})) {
            Object back = codec.decode(codec.encode("a", v));
            if (v.getClass().isArray()) {
                assertEquals(v.getClass(), back.getClass());
            } else {
                assertEquals(v, back, v.getClass().getName());
            }
        }
    }

    @Test
    void shortValuesAreCompact() {
        assertEquals(6, codec.encode("a", "hello").length);
        assertEquals(5, codec.encode("a", 7).length);
        assertEquals(2, codec.encode("a", true).length);
    }

    @Test
    void webappClassesAreAllowedWithoutConfiguration() {
        AppThing t = new AppThing();
        t.items.add("apple");
        assertEquals(t, codec.decode(codec.encode("cart", t)));
    }

    @Test
    void libraryClassesAreRefusedAtWriteNamingAttributeClassAndKey() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> codec.encode("thing", new ArrayList<>(List.of(new LibraryThing()))));
        assertTrue(e.getMessage().contains("'thing'"), e.getMessage());
        assertTrue(e.getMessage().contains(LibraryThing.class.getName()), e.getMessage());
        assertTrue(e.getMessage().contains("unisession.codec.allow"), e.getMessage());

        IllegalArgumentException url = assertThrows(
                IllegalArgumentException.class, () -> codec.encode("u", new URL("http://example.invalid/")));
        assertTrue(url.getMessage().contains("java.net.URL"), url.getMessage());

        IllegalArgumentException notSer =
                assertThrows(IllegalArgumentException.class, () -> codec.encode("t", List.of(new Object())));
        assertTrue(
                notSer.getMessage().contains("java.lang.Object")
                        && notSer.getMessage().contains("Serializable"),
                notSer.getMessage());
    }

    @Test
    void configuredPatternsAllow() {
        AttributeCodec allowing =
                new AttributeCodec(getClass().getClassLoader(), n -> false, List.of("dev.unisession.codec.**"));
        LibraryThing back = (LibraryThing) allowing.decode(allowing.encode("x", new LibraryThing()));
        assertEquals("lib", back.v);
        assertThrows(
                IllegalArgumentException.class,
                () -> new AttributeCodec(getClass().getClassLoader(), n -> false, List.of("!java.**")));
    }

    @Test
    void refusedClassesAreRefusedAtReadToo() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(1); // serialized-value tag, as a hostile or outdated writer might produce
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new HashMap<>(Map.of("gadget", new LibraryThing())));
        }
        assertThrows(AttributeDecodeException.class, () -> codec.decode(bytes.toByteArray()));
    }

    @Test
    void damagedBytesFailAsDecodeErrors() {
        for (byte[] b : List.of(new byte[0], new byte[] {9}, new byte[] {1, 2, 3}, new byte[] {3, 1})) {
            assertThrows(AttributeDecodeException.class, () -> codec.decode(b));
        }
        assertThrows(AttributeDecodeException.class, () -> codec.decode(null));
    }

    @Test
    void encodingIsDeterministicForEqualValues() {
        assertArrayEquals(
                codec.encode("a", new ArrayList<>(List.of("x", "y"))),
                codec.encode("a", new ArrayList<>(List.of("x", "y"))));
    }
}
