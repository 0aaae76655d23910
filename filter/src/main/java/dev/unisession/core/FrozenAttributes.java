package dev.unisession.core;

import java.util.AbstractMap;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * An attribute map (name to codec bytes) copied once into an unmodifiable map and from then on shared: records and
 * deltas made from one another (a record with a new access time, a delta's state, the record after it) reuse it
 * instead of copying it again on every request. The byte arrays are shared as they always were: never changed.
 */
final class FrozenAttributes extends AbstractMap<String, byte[]> {

    private static final FrozenAttributes EMPTY = new FrozenAttributes(new LinkedHashMap<>());

    /** Never changed after construction; lookups go to it directly, the views hand it out unmodifiable. */
    private final LinkedHashMap<String, byte[]> map;

    private FrozenAttributes(LinkedHashMap<String, byte[]> copy) {
        this.map = copy;
    }

    /** The map itself when it is frozen already, else an unmodifiable copy in the same order. */
    static Map<String, byte[]> of(Map<String, byte[]> attributes) {
        if (attributes instanceof FrozenAttributes) return attributes;
        if (attributes.isEmpty()) return EMPTY;
        return new FrozenAttributes(new LinkedHashMap<>(attributes));
    }

    /**
     * The map frozen without a copy: for a map its caller has just built and hands over, keeping no reference
     * (a write's change and resulting state: copying them again cost ~2 % of a session creation's CPU).
     */
    static Map<String, byte[]> owning(LinkedHashMap<String, byte[]> built) {
        return built.isEmpty() ? EMPTY : new FrozenAttributes(built);
    }

    @Override
    public Set<Entry<String, byte[]>> entrySet() {
        return Collections.unmodifiableMap(map).entrySet();
    }

    @Override
    public Set<String> keySet() {
        return Collections.unmodifiableSet(map.keySet());
    }

    @Override
    public Collection<byte[]> values() {
        return Collections.unmodifiableCollection(map.values());
    }

    @Override
    public byte[] get(Object key) {
        return map.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        return map.containsKey(key);
    }

    @Override
    public int size() {
        return map.size();
    }

    @Override
    public boolean isEmpty() {
        return map.isEmpty();
    }

    @Override
    public void forEach(java.util.function.BiConsumer<? super String, ? super byte[]> action) {
        map.forEach(action);
    }
}
