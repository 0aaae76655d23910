package dev.unisession.store;

import java.util.Map;
import java.util.Objects;

/**
 * One stored session: metadata plus attribute values as codec bytes. Immutable; stores hand out and keep their own
 * copies. {@code maxInactiveSeconds <= 0} means the session never expires by inactivity.
 */
public final class SessionRecord {

    /**
     * Names of the attributes that hold session metadata ({@code dev.unisession.api.SessionMetadata}), kept with
     * the attributes so that every store, delta and tier carries them, and hidden from the application.
     */
    public static final String METADATA_PREFIX = "\u00a7us.";
    /** Names of the attributes unisession keeps for itself (e.g. when the session was last validated). */
    public static final String INTERNAL_PREFIX = "\u00a7us~";
    /**
     * The reserved attribute naming the application a stored session belongs to: applications that share a store
     * (one Redis prefix, one database schema) and its signing keys do not see each other's sessions, whatever
     * reaches them (a token is also bound to its application, see {@code SessionTokenCodec}).
     */
    public static final String APPLICATION = INTERNAL_PREFIX + "a";

    /** True for the attribute names that are not the application's. */
    public static boolean isReserved(String name) {
        return name.startsWith(METADATA_PREFIX) || name.startsWith(INTERNAL_PREFIX);
    }

    private final String id;
    private final String principal;
    private final String context;
    private final long createdAt;
    private final long lastAccessedAt;
    private final int maxInactiveSeconds;
    private final long version;
    private final String fingerprint;
    private final Map<String, byte[]> attributes;

    public SessionRecord(
            String id,
            String principal,
            String context,
            long createdAt,
            long lastAccessedAt,
            int maxInactiveSeconds,
            long version,
            String fingerprint,
            Map<String, byte[]> attributes) {
        this.id = Objects.requireNonNull(id, "id");
        this.principal = principal;
        this.context = context;
        this.createdAt = createdAt;
        this.lastAccessedAt = lastAccessedAt;
        this.maxInactiveSeconds = maxInactiveSeconds;
        this.version = version;
        this.fingerprint = fingerprint;
        this.attributes = FrozenAttributes.of(attributes);
    }

    public String id() {
        return id;
    }
    /** The authenticated user this session belongs to, or null. */
    public String principal() {
        return principal;
    }
    /** The platform/context this session is currently bound to, or null. */
    public String context() {
        return context;
    }

    public long createdAt() {
        return createdAt;
    }
    /** Epoch millis of the last request that used this session. */
    public long lastAccessedAt() {
        return lastAccessedAt;
    }

    public int maxInactiveSeconds() {
        return maxInactiveSeconds;
    }
    /** Incremented by every stored change. */
    public long version() {
        return version;
    }

    public String fingerprint() {
        return fingerprint;
    }
    /** Attribute name to codec bytes; unmodifiable. The arrays must not be changed. */
    public Map<String, byte[]> attributes() {
        return attributes;
    }

    /** Epoch millis from which the session counts as expired, or {@link Long#MAX_VALUE} if it never expires. */
    public long expiresAt() {
        return expiresAt(lastAccessedAt, maxInactiveSeconds);
    }

    public static long expiresAt(long lastAccessedAt, int maxInactiveSeconds) {
        return maxInactiveSeconds <= 0 ? Long.MAX_VALUE : lastAccessedAt + maxInactiveSeconds * 1000L;
    }

    /**
     * As {@link #expiresAt(long, int)}, plus {@code grace} (a share of maxInactive): a shared store's expiry, when a
     * near cache in front may skip writing access times for that long and no session may expire early because of it.
     */
    public static long expiresAt(long lastAccessedAt, int maxInactiveSeconds, double grace) {
        if (maxInactiveSeconds <= 0) return Long.MAX_VALUE;
        return lastAccessedAt + maxInactiveSeconds * 1000L + (long) (maxInactiveSeconds * 1000L * grace);
    }

    public boolean isExpired(long now) {
        return now >= expiresAt();
    }

    /**
     * True when this record refuses the delta: the record moved on from the delta's base version and an attribute the
     * delta's request read and changed has other bytes now (see {@link SessionDelta#expected()}).
     */
    public boolean conflicts(SessionDelta delta) {
        if (delta.expected().isEmpty() || version == delta.baseVersion()) return false;
        for (Map.Entry<String, byte[]> e : delta.expected().entrySet()) {
            if (!SessionDelta.stillAsRead(e.getValue(), attributes.get(e.getKey()))) return true;
        }
        return false;
    }

    /** This record with the delta applied and the version incremented. */
    public SessionRecord apply(SessionDelta delta) {
        Map<String, byte[]> attrs = FrozenAttributes.with(attributes, delta.removed(), delta.changed());
        return new SessionRecord(
                id,
                delta.principal(),
                delta.context(),
                createdAt,
                delta.lastAccessedAt(),
                delta.maxInactiveSeconds(),
                version + 1,
                delta.fingerprint(),
                attrs);
    }

    /** This record with only the access time moved (a change not yet stored anywhere: same version). */
    public SessionRecord accessedAt(long time) {
        return new SessionRecord(
                id, principal, context, createdAt, time, maxInactiveSeconds, version, fingerprint, attributes);
    }

    /** The same session under another id. */
    public SessionRecord withId(String newId) {
        return new SessionRecord(
                newId,
                principal,
                context,
                createdAt,
                lastAccessedAt,
                maxInactiveSeconds,
                version + 1,
                fingerprint,
                attributes);
    }

    @Override
    public String toString() {
        return "SessionRecord{id=" + id + ", principal=" + principal + ", version=" + version + ", attributes="
                + attributes.keySet() + '}';
    }
}
