package dev.unisession.store;

/**
 * What {@link SessionStore#save} did: the session's version after the write, or {@link #NOT_APPLIED} when the
 * delta was not applied because the session no longer exists (invalidated, expired or renamed meanwhile) or, for a
 * created delta, because its id is taken or was ended moments ago.
 *
 * @param version the session's version after the write; 0 only for {@link #NOT_APPLIED}
 */
public record SaveResult(long version) {

    /** Nothing was written (see above). */
    public static final SaveResult NOT_APPLIED = new SaveResult(0);

    public SaveResult {
        if (version < 0) throw new IllegalArgumentException("A session version is never negative: " + version);
    }

    /** The result for a store's own version number: a version above 0, or 0 for "not applied". */
    public static SaveResult of(long version) {
        return version == 0 ? NOT_APPLIED : new SaveResult(version);
    }

    /** True when the delta was written. */
    public boolean applied() {
        return version > 0;
    }
}
