package dev.unisession.store.redis;

import dev.unisession.store.StoreUnavailableException;
import dev.unisession.store.TierTimer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.redisson.api.BatchOptions;
import org.redisson.api.RBatch;
import org.redisson.api.RFuture;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * How the Redis store calls Redis: each call within a short deadline, a bounded number in flight, one layer of
 * retries (ours: Redisson itself never resends) for what may be resent, scripts loaded again when Redis lost them,
 * and a failure classified as {@link StoreUnavailableException.Kind gone, slow or overloaded} (DESIGN.md "Tiers and
 * failure": slow is not down).
 */
final class RedisCalls {

    private static final System.Logger LOG = System.getLogger(RedisStore.class.getName());

    private final RedissonClient redis;
    private final long timeoutMs;
    private final int retries;
    private final long deadlineNanos;
    /** Bounds this node's Redis calls under way; a call waits for a slot within its deadline. */
    private final java.util.concurrent.Semaphore inFlight;

    private final RedisProbe probe;
    private final AtomicLong roundTrips = new AtomicLong();
    /**
     * The loading of the scripts under way, shared by every call that finds a script missing meanwhile: after a
     * restart every request in flight finds them missing at once, and each loading them itself filled the
     * connection pool with SCRIPT LOADs (a call that then waited for a connection failed).
     */
    private final java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CompletableFuture<Void>> loading =
            new java.util.concurrent.atomic.AtomicReference<>();

    private volatile TierTimer timer = TierTimer.NONE;
    /** When (System.nanoTime) a Redis connection last closed. */
    private volatile long disconnectedAt = System.nanoTime() - TimeUnit.DAYS.toNanos(1);

    /**
     * @param timeout  how long one attempt waits for Redis's reply
     * @param retries  further attempts of a call that failed without evidence that Redis is gone (reads, and
     *                 writes, which are idempotent)
     * @param deadline how long a call may take in all, waiting for a slot among {@code maxInFlight} included
     * @param probe    tells a gone Redis from a slow one after a call ran out of time, or null to take every
     *                 timeout as "slow"
     */
    RedisCalls(
            RedissonClient redis, Duration timeout, int retries, Duration deadline, int maxInFlight, RedisProbe probe) {
        this.redis = redis;
        this.timeoutMs = timeout.toMillis();
        this.retries = retries;
        this.deadlineNanos = deadline.toNanos();
        this.inFlight = new java.util.concurrent.Semaphore(maxInFlight);
        this.probe = probe;
    }

    /** How long one attempt waits for Redis's reply. */
    long timeoutMs() {
        return timeoutMs;
    }

    /** Pipelined batches and single commands sent so far (each one network round trip). */
    long roundTrips() {
        return roundTrips.get();
    }

    void timeWith(TierTimer timer) {
        this.timer = timer;
    }

    /** A Redis connection closed: calls waiting for a reply ask the probe at once. */
    void disconnected() {
        disconnectedAt = System.nanoTime();
    }

    /**
     * Makes one Redis call and waits for it within the deadline. {@code send} starts the call afresh at each
     * attempt. A failure that is evidence of a gone Redis (connection refused or closed, no such node, a failover
     * under way) ends the call at once as {@link StoreUnavailableException.Kind#GONE}; a timeout — the reply was late,
     * or our side could not even send the command — is retried while the deadline allows, if {@code resendable} (a
     * command that was sent may have run: only idempotent ones are resent; one that was never sent always may be).
     * A call that ran out of time is {@link StoreUnavailableException.Kind#SLOW} or {@code OVERLOADED}, unless the
     * probe finds Redis not answering at all, which makes it GONE.
     */
    <T> T call(String what, boolean resendable, java.util.function.Supplier<RFuture<T>> send) {
        roundTrips.incrementAndGet();
        long start = System.nanoTime();
        long deadline = start + deadlineNanos;
        Throwable failure = null;
        boolean acquired = false;
        try {
            try {
                acquired = inFlight.tryAcquire(deadlineNanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!acquired) {
                StoreUnavailableException busy = new StoreUnavailableException(
                        StoreUnavailableException.Kind.OVERLOADED,
                        "Redis " + what + " failed: no free slot among the calls in flight within "
                                + deadlineNanos / 1_000_000 + " ms",
                        null);
                failure = busy;
                throw busy;
            }
            boolean reloaded = false;
            int resent = 0; // attempts sent again after a failure of one that was sent
            for (int attempt = 0; ; attempt++) {
                long left = deadline - System.nanoTime();
                Throwable cause;
                try {
                    RFuture<T> future = send.get();
                    // Redisson ends the attempt after its response timeout, once for a connection (the calls let
                    // through may outnumber the connections) and once for the reply; the margin lets its own error
                    // arrive.
                    return await(
                            future.toCompletableFuture(),
                            Math.max(1, Math.min(left, TimeUnit.MILLISECONDS.toNanos(2 * timeoutMs + 100))),
                            start);
                } catch (java.util.concurrent.ExecutionException | CompletionException e) {
                    cause = e.getCause() == null ? e : e.getCause();
                } catch (TimeoutException e) {
                    cause = new TimeoutException("no answer within " + timeoutMs + " ms");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    cause = e;
                } catch (RuntimeException e) {
                    cause = e;
                }
                failure = cause;
                if (noScript(cause) && (!reloaded || attempt < retries) && System.nanoTime() < deadline) {
                    // Redis lacks the script (a new server, a restart, SCRIPT FLUSH, a promoted replica): load them
                    // again and resend, once even without retries (the script never ran).
                    reloaded = true;
                    failure = null; // not a failure of Redis: not counted as one
                    loadScripts(deadline);
                    continue;
                }
                StoreUnavailableException.Kind kind = kind(cause);
                boolean sent = kind != StoreUnavailableException.Kind.OVERLOADED;
                // An attempt never sent (no connection freed in time, not written) uses up no retry: it is sent
                // again until the deadline, as a call waiting for a slot among the calls in flight waits.
                boolean again = !(cause instanceof InterruptedException)
                        && (!sent || resent < retries)
                        && (resendable || !sent)
                        && System.nanoTime() < deadline
                        && (kind != StoreUnavailableException.Kind.GONE || failingOver(cause));
                if (again) {
                    if (sent) resent++;
                    continue;
                }
                if (kind != StoreUnavailableException.Kind.GONE
                        && !(cause instanceof InterruptedException)
                        && probe != null
                        && probe.gone()) {
                    kind = StoreUnavailableException.Kind.GONE;
                }
                throw new StoreUnavailableException(kind, "Redis " + what + " failed (" + kind + "): " + cause, cause);
            }
        } finally {
            if (acquired) inFlight.release();
            timer.record(System.nanoTime() - start, failure);
        }
    }

    /**
     * Waits for a reply. Redisson keeps a command sent on a connection that then closed until its response timeout;
     * when a connection closed during the wait, or the reply is later than {@link #PROBE_AFTER_NANOS}, and the probe
     * (its answer no older than the call) finds Redis gone, the wait ends there, as GONE, instead of running out the
     * timeout: a killed Redis refuses the probe's connection at once. A slow one answers the probe and is waited for.
     */
    private <T> T await(java.util.concurrent.CompletableFuture<T> reply, long nanos, long sentAfter)
            throws java.util.concurrent.ExecutionException, InterruptedException, TimeoutException {
        long until = System.nanoTime() + nanos;
        long sentAtMillis = System.currentTimeMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAfter);
        for (; ; ) {
            long left = until - System.nanoTime();
            try {
                return reply.get(Math.max(1, Math.min(left, AWAIT_SLICE_NANOS)), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                long now = System.nanoTime();
                // Given up: a command still waiting for a connection is then never sent (Redisson cancels its wait),
                // not sent after the request has failed or its node has switched to the database.
                if (now >= until) {
                    reply.cancel(false);
                    throw e;
                }
                boolean suspect = disconnectedAt - sentAfter >= 0 || now - sentAfter >= PROBE_AFTER_NANOS;
                if (probe != null && suspect && probe.gone(sentAtMillis)) {
                    reply.cancel(false);
                    throw new java.util.concurrent.ExecutionException(new org.redisson.client.RedisConnectionException(
                            "no reply, and Redis does not answer a probe"));
                }
            }
        }
    }

    private static final long AWAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long PROBE_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    /**
     * Gone: a connection-level fact, or a failover under way (the master is down). Slow: the command was sent and
     * its reply is late. Overloaded: our side could not send it in time (no free connection, a starved event loop).
     */
    static StoreUnavailableException.Kind kind(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof org.redisson.client.RedisResponseTimeoutException
                    || c instanceof TimeoutException
                    || c instanceof java.util.concurrent.CancellationException
                    || c instanceof InterruptedException) {
                return StoreUnavailableException.Kind.SLOW;
            }
            if (c instanceof org.redisson.client.RedisTimeoutException)
                return StoreUnavailableException.Kind.OVERLOADED;
            // Redis answered: a missing script is not a gone server.
            if (c instanceof org.redisson.client.RedisNoScriptException) return StoreUnavailableException.Kind.SLOW;
        }
        return StoreUnavailableException.Kind.GONE;
    }

    private static boolean noScript(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof org.redisson.client.RedisNoScriptException) return true;
        }
        return false;
    }

    /**
     * Loads every script this store runs (on every master), best effort: the resend tells. Joins the loading under
     * way if there is one; waits within the caller's deadline (nanoTime) and a response timeout.
     */
    private void loadScripts(long deadline) {
        java.util.concurrent.CompletableFuture<Void> load = loading.get();
        if (load == null || load.isDone()) {
            java.util.concurrent.CompletableFuture<Void> mine = new java.util.concurrent.CompletableFuture<>();
            if (loading.compareAndSet(load, mine)) {
                try {
                    List<java.util.concurrent.CompletableFuture<String>> loads = new ArrayList<>();
                    for (String script : LuaScripts.RESENT) {
                        loads.add(redis.getScript(StringCodec.INSTANCE)
                                .scriptLoadAsync(script)
                                .toCompletableFuture());
                    }
                    java.util.concurrent.CompletableFuture.allOf(
                                    loads.toArray(new java.util.concurrent.CompletableFuture[0]))
                            .whenComplete((done, e) -> loaded(mine, e));
                } catch (RuntimeException e) {
                    loaded(mine, e); // over all the same, or every later call would wait for it and none load
                    throw e;
                }
            }
            load = loading.get();
        }
        try {
            load.get(
                    Math.max(1, Math.min(TimeUnit.MILLISECONDS.toNanos(timeoutMs), deadline - System.nanoTime())),
                    TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
            LOG.log(System.Logger.Level.DEBUG, "Scripts not loaded into Redis in time: {0}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The loading {@code load} is over, having failed with {@code failure} (null: it did not). */
    private static void loaded(java.util.concurrent.CompletableFuture<Void> load, Throwable failure) {
        if (failure != null) {
            LOG.log(System.Logger.Level.DEBUG, "Cannot load a script into Redis: {0}", failure.toString());
        }
        load.complete(null);
    }

    /** A failover under way answers soon: worth another attempt within the deadline. */
    private static boolean failingOver(Throwable t) {
        return t instanceof org.redisson.client.RedisRetryException
                || t instanceof org.redisson.client.RedisReadonlyException
                || t instanceof org.redisson.client.RedisReconnectedException;
    }

    RBatch batch() {
        return redis.createBatch(BatchOptions.defaults()
                .responseTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                .retryAttempts(0));
    }

    /** One pipelined batch as a {@link #call}: {@code fill} queues its commands afresh at each attempt. */
    void execute(String what, boolean resendable, java.util.function.Consumer<RBatch> fill) {
        call(what, resendable, () -> {
            RBatch batch = batch();
            fill.accept(batch);
            return batch.executeAsync();
        });
    }
}
