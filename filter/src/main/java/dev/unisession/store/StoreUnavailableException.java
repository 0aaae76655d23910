package dev.unisession.store;

/**
 * A store could not answer in time or at all, or refused a change built on a stale read ({@link Kind#CONFLICT}).
 * Never means "no such session": a request whose session cannot be loaded, or whose changes cannot be saved, is
 * answered 503 with {@code Retry-After} (409 for a conflict; see the README, "When the store is unavailable"); the
 * application sees this exception from {@code getSession()}, {@code invalidate()} or a flush.
 */
public final class StoreUnavailableException extends RuntimeException {

    /** What kind of failure: only {@link #GONE} is evidence that the tier is down. */
    public enum Kind {
        /** The server did not answer within the deadline; the command may or may not have run. */
        SLOW,
        /** Our side could not send the command in time (too many calls in flight, no free connection). */
        OVERLOADED,
        /** A connection-level fact: refused, closed, reset, no route; or no answer to repeated probes. */
        GONE,
        /**
         * The store answered, and refused the change: another request changed an attribute this one read and then
         * changed (see {@link dev.unisession.store.SessionDelta#expected()}). Nothing was written; the store is fine.
         */
        CONFLICT
    }

    /** The refusal of a change built on a read that another request's write has made stale. */
    public static StoreUnavailableException conflict(String sessionId, java.util.Set<String> names) {
        return new StoreUnavailableException(
                Kind.CONFLICT,
                "Another request changed " + names + " of session "
                        + sessionId.substring(0, Math.min(6, sessionId.length())) + "... after this one read it; this "
                        + "request's change is not stored (it would undo the other's)",
                null);
    }

    private final Kind kind;

    public StoreUnavailableException(String message, Throwable cause) {
        this(Kind.GONE, message, cause);
    }

    public StoreUnavailableException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** The store exception in a chain of causes (containers wrap what a servlet throws), or null. */
    public static StoreUnavailableException in(Throwable t) {
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (t instanceof StoreUnavailableException) return (StoreUnavailableException) t;
        }
        return null;
    }
}
