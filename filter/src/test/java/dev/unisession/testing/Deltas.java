package dev.unisession.testing;

import dev.unisession.store.SessionDelta;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Builds the {@link SessionDelta}s tests hand to stores, naming only what differs from a plain change: a creation
 * ({@link #create}: metadata written, version 0) or a change of a stored version ({@link #update}), 1800 s of
 * inactivity allowed, no principal, context or fingerprint, nothing set or removed.
 */
public final class Deltas {

    private final String id;
    private final boolean created;
    private final long baseVersion;
    private long createdAt;
    private long accessedAt;
    private int maxInactive = 1800;
    private String principal;
    private String context;
    private String fingerprint;
    private boolean metadataChanged;
    private final Map<String, byte[]> changed = new LinkedHashMap<>();
    private final Set<String> removed = new LinkedHashSet<>();

    private Deltas(String id, boolean created, long baseVersion) {
        this.id = id;
        this.created = created;
        this.baseVersion = baseVersion;
        this.metadataChanged = created;
    }

    /** A new session. */
    public static Deltas create(String id) {
        return new Deltas(id, true, 0);
    }

    /** A change of the session as stored at {@code baseVersion}. */
    public static Deltas update(String id, long baseVersion) {
        return new Deltas(id, false, baseVersion);
    }

    /** Created and accessed at {@code millis}. */
    public Deltas at(long millis) {
        return times(millis, millis);
    }

    public Deltas times(long createdAt, long accessedAt) {
        this.createdAt = createdAt;
        this.accessedAt = accessedAt;
        return this;
    }

    public Deltas maxInactive(int seconds) {
        this.maxInactive = seconds;
        return this;
    }

    public Deltas principal(String principal) {
        this.principal = principal;
        return this;
    }

    public Deltas context(String context) {
        this.context = context;
        return this;
    }

    public Deltas fingerprint(String fingerprint) {
        this.fingerprint = fingerprint;
        return this;
    }

    public Deltas metadataChanged(boolean changed) {
        this.metadataChanged = changed;
        return this;
    }

    public Deltas set(String name, byte[] value) {
        changed.put(name, value);
        return this;
    }

    public Deltas set(Map<String, byte[]> values) {
        changed.putAll(values);
        return this;
    }

    public Deltas remove(Set<String> names) {
        removed.addAll(names);
        return this;
    }

    public SessionDelta build() {
        return new SessionDelta(
                id,
                created,
                baseVersion,
                createdAt,
                accessedAt,
                maxInactive,
                principal,
                context,
                fingerprint,
                metadataChanged,
                changed,
                removed);
    }
}
