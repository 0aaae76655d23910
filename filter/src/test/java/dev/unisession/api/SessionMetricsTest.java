package dev.unisession.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.store.MemoryStore;
import dev.unisession.store.TierTimer;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SessionMetricsTest {

    @Test
    void tierLatenciesAreCountedAndTheirPercentileIsWithinOnePercent() {
        SessionMetrics m = new SessionMetrics(new MemoryStore(Clock.systemUTC()));
        TierTimer redis = m.timer("redis");
        // 3, 6, ... 3000 µs once each: p99 is 2,970 µs (fixed buckets would have said 5,000)
        for (int us = 3; us <= 3000; us += 3) redis.record(TimeUnit.MICROSECONDS.toNanos(us), null);
        redis.record(TimeUnit.HOURS.toNanos(3), new java.util.concurrent.TimeoutException("late"));

        assertEquals(1001L, m.getTierCalls().get("redis"));
        long p99 = m.getTierLatencyP99Micros().get("redis");
        assertTrue(Math.abs(p99 - 2970) <= 30, "p99 within 1 % of 2,970 µs: " + p99);
        // the mean is exact: the three-hour call counts whole in it (the histogram holds it as an hour)
        long mean = m.getTierLatencyMeanMicros().get("redis");
        assertEquals((TimeUnit.HOURS.toMicros(3) + 1_501_500) / 1001, mean);
        assertEquals(1L, m.getErrorsByKind().get("redis.timeout"));
    }

    @Test
    void aTierWithoutCallsReportsZeros() {
        SessionMetrics m = new SessionMetrics(new MemoryStore(Clock.systemUTC()));
        m.timer("database");
        assertEquals(0L, m.getTierCalls().get("database"));
        assertEquals(0L, m.getTierLatencyP99Micros().get("database"));
        assertEquals(0L, m.getTierLatencyMeanMicros().get("database"));
    }
}
