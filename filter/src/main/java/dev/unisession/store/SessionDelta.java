package dev.unisession.store;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What one request changed in a session: the attributes set (name to new bytes), the attributes removed, and the
 * session's metadata as it now stands. Stores write only the changed and removed attributes, so two requests that
 * change different attributes never overwrite each other.
 *
 * <p>{@link #created()} marks the first save of a new session (it then carries every attribute);
 * {@link #metadataChanged()} is true when anything but {@code lastAccessedAt} changed.
 */
public final class SessionDelta {

    private final String id;
    private final boolean created;
    private final long baseVersion;
    private final long createdAt;
    private final long lastAccessedAt;
    private final int maxInactiveSeconds;
    private final String principal;
    private final String context;
    private final String fingerprint;
    private final boolean metadataChanged;
    private final Map<String, byte[]> changed;
    private final Set<String> removed;
    /** Every attribute the session has after this delta, when the delta's maker knew them all; else null. */
    private final Map<String, byte[]> state;
    /**
     * The attributes the request read and then changed or removed, each with the bytes it read ({@link #ABSENT}: it
     * read none): the change stands only if they are still the stored ones (see {@link #expected()}).
     */
    private final Map<String, byte[]> expected;

    /** In {@link #expected()}: the request found no such attribute. */
    public static final byte[] ABSENT = new byte[0];

    public SessionDelta(
            String id,
            boolean created,
            long baseVersion,
            long createdAt,
            long lastAccessedAt,
            int maxInactiveSeconds,
            String principal,
            String context,
            String fingerprint,
            boolean metadataChanged,
            Map<String, byte[]> changed,
            Set<String> removed) {
        this.id = id;
        this.created = created;
        this.baseVersion = baseVersion;
        this.createdAt = createdAt;
        this.lastAccessedAt = lastAccessedAt;
        this.maxInactiveSeconds = maxInactiveSeconds;
        this.principal = principal;
        this.context = context;
        this.fingerprint = fingerprint;
        this.metadataChanged = metadataChanged;
        this.changed = FrozenAttributes.of(changed);
        this.removed = removed.isEmpty() ? Set.of() : Collections.unmodifiableSet(new LinkedHashSet<>(removed));
        this.state = null;
        this.expected = Map.of();
    }

    private SessionDelta(SessionDelta d, Map<String, byte[]> state, Map<String, byte[]> expected) {
        this.id = d.id;
        this.created = d.created;
        this.baseVersion = d.baseVersion;
        this.createdAt = d.createdAt;
        this.lastAccessedAt = d.lastAccessedAt;
        this.maxInactiveSeconds = d.maxInactiveSeconds;
        this.principal = d.principal;
        this.context = d.context;
        this.fingerprint = d.fingerprint;
        this.metadataChanged = d.metadataChanged;
        this.changed = d.changed;
        this.removed = d.removed;
        this.state = state == null ? null : FrozenAttributes.of(state);
        this.expected = expected.isEmpty() ? Map.of() : FrozenAttributes.of(expected);
    }

    /**
     * This delta, also carrying every attribute the session has once it is applied (its maker knew the whole
     * session). A store that applies it as the very next version after {@link #baseVersion()} then knows the
     * session's whole record at that version without reading it back: see {@link #after(long)}.
     */
    public SessionDelta withState(Map<String, byte[]> attributes) {
        return new SessionDelta(this, attributes, expected);
    }

    /**
     * This delta, standing only if each of these attributes still has the bytes the request read (name to bytes,
     * {@link #ABSENT} for one it found missing): see {@link #expected()}.
     */
    public SessionDelta expecting(Map<String, byte[]> read) {
        return new SessionDelta(this, state, read);
    }

    /**
     * {@link #expecting} the bytes {@code stored} has for each of the {@code read} names this delta changes or
     * removes; this delta itself when it changes none of them.
     */
    public SessionDelta expectingAsRead(java.util.Collection<String> read, Map<String, byte[]> stored) {
        Map<String, byte[]> expected = null;
        for (String name : read) {
            if (!changed.containsKey(name) && !removed.contains(name)) continue;
            if (expected == null) expected = new java.util.HashMap<>(4);
            byte[] was = stored.get(name);
            expected.put(name, was == null ? ABSENT : was);
        }
        return expected == null ? this : expecting(expected);
    }

    /**
     * What the request built its change on: the attributes it read (through {@code getAttribute}) and then changed or
     * removed, each with the bytes it read ({@link #ABSENT}: none). A store refuses the delta
     * ({@link SessionRecord#conflicts}) when its record is no longer at {@link #baseVersion()} and one of them has
     * other bytes now: another request changed what this one read (a second tab, or a request a balancer gave up on
     * and sent elsewhere while the first node still ran it), and storing this change would silently undo that one.
     * Attributes only set (not read first) are not checked: the last writer wins for them, as in any session.
     */
    public Map<String, byte[]> expected() {
        return expected;
    }

    /** Whether an attribute's stored bytes ({@code now}, null: absent) are still what {@link #expected()} says was read. */
    public static boolean stillAsRead(byte[] read, byte[] now) {
        return read.length == 0 ? now == null : java.util.Arrays.equals(now, read);
    }

    /**
     * The session's whole record once this delta has been stored as {@code version}, or null when that is not
     * known: the delta does not carry every attribute, or another write came between its base version and
     * {@code version}.
     */
    public SessionRecord after(long version) {
        if (state == null || version != baseVersion + 1) return null;
        return new SessionRecord(
                id, principal, context, createdAt, lastAccessedAt, maxInactiveSeconds, version, fingerprint, state);
    }

    /** Every attribute once this delta is applied to its base version, or null when the delta does not carry them. */
    public Map<String, byte[]> state() {
        return state;
    }

    public String id() {
        return id;
    }

    public boolean created() {
        return created;
    }
    /**
     * The version of the record this delta was computed against. For a {@linkplain #created() created} delta, the
     * version the session had before (0 for a new session; a session copied between tiers keeps counting from its
     * version, so versions never go back).
     */
    public long baseVersion() {
        return baseVersion;
    }

    public long createdAt() {
        return createdAt;
    }

    public long lastAccessedAt() {
        return lastAccessedAt;
    }

    public int maxInactiveSeconds() {
        return maxInactiveSeconds;
    }

    public String principal() {
        return principal;
    }

    public String context() {
        return context;
    }

    public String fingerprint() {
        return fingerprint;
    }

    public boolean metadataChanged() {
        return metadataChanged;
    }

    public Map<String, byte[]> changed() {
        return changed;
    }

    public Set<String> removed() {
        return removed;
    }

    /** Epoch millis from which the session counts as expired after this delta. */
    public long expiresAt() {
        return SessionRecord.expiresAt(lastAccessedAt, maxInactiveSeconds);
    }

    /** True when the delta only moves {@code lastAccessedAt}. */
    public boolean isTouchOnly() {
        return !created && !metadataChanged && changed.isEmpty() && removed.isEmpty();
    }

    /** The full record a created delta describes, at the version its store gives it. */
    public SessionRecord toRecord() {
        return new SessionRecord(
                id,
                principal,
                context,
                createdAt,
                lastAccessedAt,
                maxInactiveSeconds,
                baseVersion + 1,
                fingerprint,
                changed);
    }

    /**
     * A created delta that writes the whole record (to copy a session into another tier) at the record's own
     * version: a copy is not a write, so a session's version rises by exactly one per write in every tier.
     */
    public static SessionDelta recreate(SessionRecord r) {
        // Based on the version before: storing it makes the copy's version the record's own (a copy is no write).
        return new SessionDelta(
                r.id(),
                true,
                r.version() - 1,
                r.createdAt(),
                r.lastAccessedAt(),
                r.maxInactiveSeconds(),
                r.principal(),
                r.context(),
                r.fingerprint(),
                true,
                r.attributes(),
                Set.of());
    }

    /**
     * This delta followed by a later one, as one delta: the later one's metadata and values win, an attribute
     * removed later is no longer set, one set later is no longer removed.
     */
    public SessionDelta then(SessionDelta later) {
        if (!later.id.equals(id)) throw new IllegalArgumentException("deltas of different sessions");
        Map<String, byte[]> set = new LinkedHashMap<>(changed);
        set.keySet().removeAll(later.removed);
        set.putAll(later.changed);
        Set<String> gone = new LinkedHashSet<>(removed);
        gone.removeAll(later.changed.keySet());
        if (!created) gone.addAll(later.removed); // a created session never had what it removed
        return new SessionDelta(
                id,
                created || later.created,
                baseVersion,
                created ? createdAt : later.createdAt,
                later.lastAccessedAt,
                later.maxInactiveSeconds,
                later.principal,
                later.context,
                later.fingerprint,
                metadataChanged || later.metadataChanged,
                set,
                gone);
    }

    @Override
    public String toString() {
        return "SessionDelta{id=" + id + ", created=" + created + ", changed=" + changed.keySet() + ", removed="
                + removed + ", metadataChanged=" + metadataChanged + '}';
    }
}
