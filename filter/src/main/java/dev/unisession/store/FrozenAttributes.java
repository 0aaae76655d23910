package dev.unisession.store;

import java.util.AbstractCollection;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * An attribute map (name to codec bytes) copied once into an unmodifiable map and from then on shared: records and
 * deltas made from one another (a record with a new access time, a delta's state, the record after it) reuse it
 * instead of copying it again on every request. The byte arrays are shared as they always were: never changed.
 *
 * <p>Kept as three parallel arrays in insertion order (names, their hash codes, values) rather than a hash map: a
 * request reads a session that is rarely in the CPU's caches (one of thousands), and a {@code LinkedHashMap} costs
 * a cache miss for its table and one per entry it passes, where this costs one per array. A lookup compares hash
 * codes first, so a name is only read (another miss) where its hash matches. Maps larger than {@link #LINEAR}
 * entries also get a name-to-index map, so lookups stay constant-time.
 */
public final class FrozenAttributes extends AbstractMap<String, byte[]> {

    /** Up to this many entries a lookup scans the hash codes; above it a hash index is kept beside the arrays. */
    static final int LINEAR = 12;

    private static final FrozenAttributes EMPTY = new FrozenAttributes(new String[0], new byte[0][]);

    private final String[] names;
    private final int[] hashes;
    private final byte[][] values;
    /** Name to index, for maps over {@link #LINEAR} entries; null otherwise. */
    private final Map<String, Integer> index;

    private FrozenAttributes(String[] names, byte[][] values) {
        this.names = names;
        this.values = values;
        this.hashes = new int[names.length];
        for (int i = 0; i < names.length; i++) hashes[i] = names[i].hashCode();
        if (names.length > LINEAR) {
            Map<String, Integer> m = new HashMap<>(names.length * 2);
            for (int i = 0; i < names.length; i++) m.put(names[i], i);
            index = m;
        } else {
            index = null;
        }
    }

    /** The map itself when it is frozen already, else an unmodifiable copy in the same order. */
    public static Map<String, byte[]> of(Map<String, byte[]> attributes) {
        if (attributes instanceof FrozenAttributes) return attributes;
        if (attributes.isEmpty()) return EMPTY;
        String[] names = new String[attributes.size()];
        byte[][] values = new byte[names.length][];
        int i = 0;
        for (Map.Entry<String, byte[]> e : attributes.entrySet()) {
            names[i] = java.util.Objects.requireNonNull(e.getKey(), "attribute name");
            values[i++] = e.getValue();
        }
        return new FrozenAttributes(names, values);
    }

    /**
     * {@code attributes} without the {@code removed} names and with the {@code changed} entries, frozen; the map
     * itself when both are empty.
     */
    public static Map<String, byte[]> with(
            Map<String, byte[]> attributes, java.util.Collection<String> removed, Map<String, byte[]> changed) {
        if (removed.isEmpty() && changed.isEmpty()) return of(attributes);
        Map<String, byte[]> next = new java.util.LinkedHashMap<>(attributes);
        next.keySet().removeAll(removed);
        next.putAll(changed);
        return of(next);
    }

    private int indexOf(Object key) {
        if (!(key instanceof String)) return -1;
        if (index != null) {
            Integer i = index.get(key);
            return i == null ? -1 : i;
        }
        int h = key.hashCode();
        for (int i = 0; i < hashes.length; i++) {
            if (hashes[i] == h && (names[i] == key || names[i].equals(key))) return i;
        }
        return -1;
    }

    @Override
    public byte[] get(Object key) {
        int i = indexOf(key);
        return i < 0 ? null : values[i];
    }

    @Override
    public boolean containsKey(Object key) {
        return indexOf(key) >= 0;
    }

    @Override
    public int size() {
        return names.length;
    }

    @Override
    public boolean isEmpty() {
        return names.length == 0;
    }

    @Override
    public void forEach(java.util.function.BiConsumer<? super String, ? super byte[]> action) {
        for (int i = 0; i < names.length; i++) action.accept(names[i], values[i]);
    }

    @Override
    public Set<Entry<String, byte[]>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, byte[]>> iterator() {
                return new Walk<>(i -> new SimpleImmutableEntry<>(names[i], values[i]));
            }

            @Override
            public int size() {
                return names.length;
            }
        };
    }

    @Override
    public Set<String> keySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<String> iterator() {
                return new Walk<>(i -> names[i]);
            }

            @Override
            public boolean contains(Object o) {
                return indexOf(o) >= 0;
            }

            @Override
            public int size() {
                return names.length;
            }
        };
    }

    @Override
    public Collection<byte[]> values() {
        return new AbstractCollection<>() {
            @Override
            public Iterator<byte[]> iterator() {
                return new Walk<>(i -> values[i]);
            }

            @Override
            public int size() {
                return values.length;
            }
        };
    }

    /** An unmodifiable iterator over the entries in order, each shown as {@code at} makes it. */
    private final class Walk<T> implements Iterator<T> {
        private final IntFunction<T> at;
        private int next;

        Walk(IntFunction<T> at) {
            this.at = at;
        }

        @Override
        public boolean hasNext() {
            return next < names.length;
        }

        @Override
        public T next() {
            if (next >= names.length) throw new NoSuchElementException();
            return at.apply(next++);
        }
    }
}
