package dev.unisession.web;

import dev.unisession.api.SessionMetadata;
import dev.unisession.core.ActiveSession;
import dev.unisession.store.SessionRecord;
import java.util.Set;
import java.util.function.Function;

/**
 * A session's metadata ({@link SessionRecord#METADATA_PREFIX} entries): the request's session, made when first
 * written, or (read only, for validators) one loaded session.
 */
final class MetadataView implements SessionMetadata {
    /** The session, made when {@code true} is passed and there is none; null when there is none. */
    private final Function<Boolean, ActiveSession> session;

    private final boolean writable;

    MetadataView(Function<Boolean, ActiveSession> session, boolean writable) {
        this.session = session;
        this.writable = writable;
    }

    /** A read-only view of one loaded session. */
    static MetadataView of(ActiveSession loaded) {
        return new MetadataView(create -> loaded, false);
    }

    @Override
    public String get(String key) {
        ActiveSession a = session.apply(false);
        return a == null ? null : a.reserved(SessionRecord.METADATA_PREFIX + key);
    }

    @Override
    public void put(String key, String value) {
        if (!writable) throw new UnsupportedOperationException("session metadata is read-only here");
        SessionMetadata.check(key, value);
        ActiveSession a = session.apply(value != null);
        if (a != null) a.putReserved(SessionRecord.METADATA_PREFIX + key, value);
    }

    @Override
    public Set<String> keys() {
        ActiveSession a = session.apply(false);
        return a == null ? Set.of() : a.reservedKeys(SessionRecord.METADATA_PREFIX);
    }
}
