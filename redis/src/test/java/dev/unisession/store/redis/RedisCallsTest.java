package dev.unisession.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.store.StoreUnavailableException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.redisson.client.RedisTimeoutException;
import org.redisson.misc.CompletableFutureWrapper;

/** How one call's attempts are made and ended, with scripted Redisson replies (no Redis). */
class RedisCallsTest {

    /**
     * An attempt Redisson never sent (no connection freed within its timeout: the calls let through may outnumber
     * the connections) uses up no retry: with {@code redis.retries=0} the call is sent again within its deadline and
     * goes through, instead of failing a second before the deadline.
     */
    @Test
    void anAttemptNeverSentUsesUpNoRetry() {
        RedisCalls calls = new RedisCalls(null, Duration.ofMillis(100), 0, Duration.ofSeconds(2), 64, null);
        AtomicInteger sends = new AtomicInteger();
        String reply = calls.call(
                "save",
                true,
                () -> sends.incrementAndGet() == 1
                        ? new CompletableFutureWrapper<>(new RedisTimeoutException("Unable to acquire connection!"))
                        : new CompletableFutureWrapper<>("ok"));
        assertEquals("ok", reply);
        assertEquals(2, sends.get());
    }

    /** An attempt that was sent and failed still uses up a retry: with none, the call fails. */
    @Test
    void anAttemptSentUsesUpARetry() {
        RedisCalls calls = new RedisCalls(null, Duration.ofMillis(100), 0, Duration.ofSeconds(2), 64, null);
        AtomicInteger sends = new AtomicInteger();
        StoreUnavailableException e = assertThrows(
                StoreUnavailableException.class,
                () -> calls.call("save", true, () -> {
                    sends.incrementAndGet();
                    return new CompletableFutureWrapper<>(
                            new org.redisson.client.RedisResponseTimeoutException("no reply"));
                }));
        assertEquals(StoreUnavailableException.Kind.SLOW, e.kind());
        assertEquals(1, sends.get());
    }

    /**
     * A call that gives up on an attempt cancels its command: one still waiting in Redisson's pool for a connection
     * is then never sent, after the request has been answered 503 or its node has moved to the database.
     */
    @Test
    void aCallThatGivesUpCancelsItsCommand() {
        RedisCalls calls = new RedisCalls(null, Duration.ofMillis(20), 0, Duration.ofMillis(100), 64, null);
        CompletableFuture<String> pending = new CompletableFuture<>();
        StoreUnavailableException e = assertThrows(
                StoreUnavailableException.class,
                () -> calls.call("load", true, () -> new CompletableFutureWrapper<>(pending)));
        assertEquals(StoreUnavailableException.Kind.SLOW, e.kind());
        assertTrue(pending.isCancelled(), "the command given up was cancelled");
    }
}
