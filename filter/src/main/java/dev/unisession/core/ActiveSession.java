package dev.unisession.core;

import dev.unisession.codec.AttributeCodec;
import dev.unisession.codec.AttributeDecodeException;
import dev.unisession.store.FrozenAttributes;
import dev.unisession.store.SessionDelta;
import dev.unisession.store.SessionRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A session as one request sees it: the stored record it started from plus the objects the app has read or set.
 *
 * <p>Values are decoded lazily on first read. Every value handed out or set is tracked; {@link #delta()} re-encodes
 * the tracked mutable ones and keeps only those whose bytes differ from the stored ones, so a list changed in place
 * is saved and a value that was only read is not written. Thread-safe.
 */
public final class ActiveSession {

    private static final System.Logger LOG = System.getLogger(ActiveSession.class.getName());

    private final AttributeCodec codec;
    private String id;
    private final boolean isNew;
    private final long createdAt;
    private final long previousAccess;
    private final long thisAccess;
    private int maxInactiveSeconds;
    private String principal;
    private String context;
    private String fingerprint;
    private long version;
    private boolean persisted;
    private boolean metadataChanged;

    /** Attribute name to bytes as last stored: the record's own unmodifiable map, replaced (not changed) at commit. */
    private Map<String, byte[]> stored;
    /** The current attribute names; null while they are the stored ones (a request that only reads copies nothing). */
    private Set<String> names;
    /** Values decoded or set during this request. */
    private final Map<String, Object> objects = new HashMap<>();
    /** Bytes produced by setAttribute during this request (reused at commit for immutable values). */
    private final Map<String, byte[]> setBytes = new HashMap<>();
    /**
     * Names the application read through {@link #getAttribute} (present or not): a change to one of them is built on
     * what was read, and stands only if nobody changed it meanwhile (see {@link SessionDelta#expected()}).
     */
    private Set<String> read;

    private ValueHooks hooks = ValueHooks.NONE;

    /** Names whose stored bytes could not be decoded; never written back unless the app sets them. */
    private final Set<String> unreadable = new HashSet<>();

    private ActiveSession(
            AttributeCodec codec,
            String id,
            boolean isNew,
            long createdAt,
            long previousAccess,
            long thisAccess,
            int maxInactiveSeconds,
            String principal,
            String context,
            String fingerprint,
            long version,
            Map<String, byte[]> stored) {
        this.codec = codec;
        this.id = id;
        this.isNew = isNew;
        this.persisted = !isNew;
        this.createdAt = createdAt;
        this.previousAccess = previousAccess;
        this.thisAccess = thisAccess;
        this.maxInactiveSeconds = maxInactiveSeconds;
        this.principal = principal;
        this.context = context;
        this.fingerprint = fingerprint;
        this.version = version;
        this.stored = FrozenAttributes.of(stored);
    }

    /** A brand-new session, not yet stored. */
    public static ActiveSession create(AttributeCodec codec, String id, long now, int maxInactiveSeconds) {
        return new ActiveSession(codec, id, true, now, now, now, maxInactiveSeconds, null, null, null, 0, Map.of());
    }

    /** A stored session, accessed at {@code now}. */
    public static ActiveSession of(AttributeCodec codec, SessionRecord r, long now) {
        return new ActiveSession(
                codec,
                r.id(),
                false,
                r.createdAt(),
                r.lastAccessedAt(),
                now,
                r.maxInactiveSeconds(),
                r.principal(),
                r.context(),
                r.fingerprint(),
                r.version(),
                r.attributes());
    }

    public synchronized String id() {
        return id;
    }

    public boolean isNew() {
        return isNew;
    }

    public long createdAt() {
        return createdAt;
    }
    /** The time of the previous request (the creation time for a new session). */
    public long lastAccessedAt() {
        return previousAccess;
    }

    public synchronized int maxInactiveSeconds() {
        return maxInactiveSeconds;
    }

    public synchronized String principal() {
        return principal;
    }

    public synchronized String context() {
        return context;
    }

    public synchronized String fingerprint() {
        return fingerprint;
    }
    /** The stored version this copy is based on. */
    public synchronized long version() {
        return version;
    }

    /** True once the session exists in the store. */
    public synchronized boolean isPersisted() {
        return persisted;
    }

    public synchronized void setMaxInactiveSeconds(int seconds) {
        if (seconds != maxInactiveSeconds) {
            maxInactiveSeconds = seconds;
            metadataChanged = true;
        }
    }

    public synchronized void setPrincipal(String principal) {
        if (!java.util.Objects.equals(principal, this.principal)) {
            this.principal = principal;
            metadataChanged = true;
        }
    }

    public synchronized void setContext(String context) {
        if (!java.util.Objects.equals(context, this.context)) {
            this.context = context;
            metadataChanged = true;
        }
    }

    public synchronized void setFingerprint(String fingerprint) {
        if (!java.util.Objects.equals(fingerprint, this.fingerprint)) {
            this.fingerprint = fingerprint;
            metadataChanged = true;
        }
    }

    synchronized void renamed(String newId) {
        this.id = newId;
    }

    public synchronized void hooks(ValueHooks hooks) {
        this.hooks = hooks;
    }

    /** The current attribute names, for reading. */
    private Set<String> names() {
        return names != null ? names : stored.keySet();
    }

    /** True if the session has an attribute of this name now. */
    private boolean has(String name) {
        return names != null ? names.contains(name) : stored.containsKey(name);
    }

    /** The current attribute names, to change. */
    private Set<String> ownNames() {
        if (names == null) names = new LinkedHashSet<>(stored.keySet());
        return names;
    }

    /** The application's attribute names (session metadata is kept apart). */
    public synchronized List<String> attributeNames() {
        Set<String> current = names();
        List<String> out = new java.util.ArrayList<>(current.size());
        for (String n : current) if (!SessionRecord.isReserved(n)) out.add(n);
        return out;
    }

    public synchronized boolean hasAttribute(String name) {
        return !SessionRecord.isReserved(name) && has(name);
    }

    private static void checkName(String name) {
        if (SessionRecord.isReserved(name)) {
            throw new IllegalArgumentException("Session attribute names starting with '" + name.substring(0, 4)
                    + "' are reserved for unisession's session metadata");
        }
    }

    /** The value, decoded on first access; null if absent or unreadable (logged once). */
    public synchronized Object getAttribute(String name) {
        if (SessionRecord.isReserved(name)) return null;
        if (persisted && !setBytes.containsKey(name)) { // a value this request set is not a read of the store
            if (read == null) read = new HashSet<>(4);
            read.add(name);
        }
        return value(name);
    }

    private Object value(String name) {
        Object known = objects.get(name);
        if (known != null || objects.containsKey(name)) return known;
        if (!has(name) || unreadable.contains(name)) return null;
        byte[] bytes = stored.get(name);
        try {
            Object value = codec.decode(bytes);
            objects.put(name, value);
            hooks.didLoad(value);
            return value;
        } catch (AttributeDecodeException e) {
            unreadable.add(name);
            hooks.unreadable(name, e.getMessage());
            LOG.log(
                    System.Logger.Level.WARNING,
                    "Session attribute ''{0}'' cannot be read and is ignored "
                            + "(it stays stored until the application sets or removes it): {1}",
                    name,
                    e.getMessage());
            return null;
        }
    }

    /**
     * Sets a value; null removes. Encodes at once so that a value which could not be stored fails here.
     *
     * @return the previous value (decoded), or null
     * @throws IllegalArgumentException when the value cannot be stored (see {@link AttributeCodec#encode})
     */
    public synchronized Object setAttribute(String name, Object value) {
        checkName(name);
        return put(name, value);
    }

    private Object put(String name, Object value) {
        if (value == null) return drop(name);
        byte[] bytes = codec.encode(name, value);
        SessionSizeLimit.checkSet(codec.maxSessionBytes(), name, bytes, names(), setBytes, stored);
        boolean had = has(name);
        Object old = had ? value(name) : null;
        objects.put(name, value);
        setBytes.put(name, bytes);
        unreadable.remove(name);
        if (!had) ownNames().add(name);
        return old;
    }

    /** Removes a value. @return the previous value (decoded), or null */
    public synchronized Object removeAttribute(String name) {
        checkName(name);
        return drop(name);
    }

    private Object drop(String name) {
        if (!has(name)) return null;
        Object old = value(name);
        ownNames().remove(name);
        objects.remove(name);
        setBytes.remove(name);
        unreadable.remove(name);
        return old;
    }

    /** A metadata value (under {@link SessionRecord#METADATA_PREFIX} or {@link SessionRecord#INTERNAL_PREFIX}). */
    public synchronized String reserved(String name) {
        Object v = value(name);
        return v instanceof String ? (String) v : null;
    }

    /** Sets or (null) removes a metadata value. */
    public synchronized void putReserved(String name, String value) {
        if (!SessionRecord.isReserved(name)) throw new IllegalArgumentException("not a reserved name: " + name);
        put(name, value);
    }

    /** The names under a reserved prefix, without the prefix. */
    public synchronized java.util.Set<String> reservedKeys(String prefix) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (String n : names()) if (n.startsWith(prefix)) out.add(n.substring(prefix.length()));
        return out;
    }

    /** Makes the next commit store the access time even if nothing else changed. */
    public synchronized void touch() {
        metadataChanged = true;
    }

    /** Epoch millis from which this session expires unless used again (Long.MAX_VALUE: never). */
    public synchronized long expiresAt() {
        return SessionRecord.expiresAt(thisAccess, maxInactiveSeconds);
    }

    /** What changed since the last commit; empty of attributes when nothing but the access time moved. */
    public synchronized SessionDelta delta() {
        LinkedHashMap<String, byte[]> changed = null;
        List<String> inPlace = null;
        for (String name : names()) {
            if (!objects.containsKey(name)) continue;
            Object value = objects.get(name);
            byte[] bytes = setBytes.get(name);
            if (bytes == null && AttributeCodec.isImmutable(value)) continue; // read only, cannot have changed
            if (bytes == null || !AttributeCodec.isImmutable(value)) {
                byte[] set = bytes;
                hooks.willStore(value);
                try {
                    bytes = codec.encode(name, value);
                } catch (IllegalArgumentException e) {
                    LOG.log(
                            System.Logger.Level.ERROR,
                            "Session attribute ''{0}'' was changed in place into "
                                    + "something that cannot be stored; the stored value is kept: {1}",
                            name,
                            e.getMessage());
                    continue;
                }
                if (!Arrays.equals(bytes, stored.get(name)) && !Arrays.equals(bytes, set)) {
                    if (inPlace == null) inPlace = new ArrayList<>(2); // changed in place: not checked by a set
                    inPlace.add(name);
                }
            }
            if (!Arrays.equals(bytes, stored.get(name))) {
                if (changed == null) changed = new LinkedHashMap<>();
                changed.put(name, bytes);
            }
        }
        if (changed == null) changed = new LinkedHashMap<>(0);
        if (inPlace != null) SessionSizeLimit.refuseInPlace(codec.maxSessionBytes(), changed, inPlace, names(), stored);
        Set<String> removed = Set.of();
        if (names != null) {
            removed = new LinkedHashSet<>(stored.keySet());
            removed.removeAll(names);
        }
        // nothing changed: the stored map itself, not a copy
        Map<String, byte[]> state = FrozenAttributes.with(stored, removed, changed);
        SessionDelta delta = new SessionDelta(
                        id,
                        !persisted,
                        version,
                        createdAt,
                        thisAccess,
                        maxInactiveSeconds,
                        principal,
                        context,
                        fingerprint,
                        metadataChanged,
                        FrozenAttributes.of(changed),
                        removed)
                .withState(state);
        return read == null || !persisted ? delta : delta.expectingAsRead(read, stored);
    }

    /** Records that the delta is now stored, so the next {@link #delta()} holds only later changes. */
    public synchronized void committed(SessionDelta delta, long newVersion) {
        if (!delta.removed().isEmpty() || !delta.changed().isEmpty()) {
            if (delta.state() != null && delta.baseVersion() == version) {
                stored = delta.state(); // built by delta() from this session's stored attributes: the same result
            } else {
                stored = FrozenAttributes.with(stored, delta.removed(), delta.changed());
            }
        }
        setBytes.clear();
        persisted = true;
        metadataChanged = false;
        version = newVersion;
    }
}
