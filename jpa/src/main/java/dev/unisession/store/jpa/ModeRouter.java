package dev.unisession.store.jpa;

import dev.unisession.store.StoreUnavailableException;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Runs the tiered store's operations in the mode its node serves in ({@link ClusterMode}): in the cache tier or in the
 * database, and when the cache tier turns out gone, again in the database once the cluster has switched.
 */
final class ModeRouter {
    private final ClusterMode mode;
    private final long waitNanos;

    ModeRouter(ClusterMode mode, Duration switchWait) {
        this.mode = mode;
        this.waitNanos = switchWait.toNanos();
    }

    /** The cache tier is gone: the request waits for the cluster to switch. */
    static final class CacheGone extends RuntimeException {
        final StoreUnavailableException failure;

        CacheGone(StoreUnavailableException failure) {
            super(null, failure, false, false);
            this.failure = failure;
        }
    }

    /**
     * Runs an operation in the mode this node serves in. A cache tier found gone (in CACHE mode) is reported, and
     * the request waits for the cluster to switch and runs again in DATABASE mode; if it does not switch within the
     * request's deadline (or this node is alone in seeing the cache tier gone), the request fails.
     */
    <T> T route(Supplier<T> inCache, Supplier<T> inDatabase) {
        long deadline = System.nanoTime() + waitNanos;
        for (; ; ) {
            ClusterMode.State s = mode.enter(deadline);
            long epoch = mode.servingEpoch();
            StoreUnavailableException gone;
            try {
                return s == ClusterMode.State.CACHE ? inCache.get() : inDatabase.get();
            } catch (CacheGone e) {
                gone = e.failure;
            } finally {
                mode.exit(s);
            }
            if (!mode.awaitSwitch(epoch, deadline)) throw gone;
        }
    }

    /** Calls the cache tier; a failure showing it gone becomes {@link CacheGone}, slow or overloaded ones stay. */
    static <T> T cached(Supplier<T> call) {
        try {
            return call.get();
        } catch (StoreUnavailableException e) {
            if (e.kind() == StoreUnavailableException.Kind.GONE) throw new CacheGone(e);
            throw e;
        }
    }
}
