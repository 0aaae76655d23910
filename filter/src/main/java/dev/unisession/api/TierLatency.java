package dev.unisession.api;

import dev.unisession.store.TierTimer;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * One tier's call latencies (an HdrHistogram: 1 µs to an hour, two significant digits, so a percentile is within
 * 1 % of the value recorded), its failures counted by kind, and an optional mirror (Micrometer's timer, once
 * bound).
 */
final class TierLatency implements TierTimer {
    /** The longest call recorded as itself (an hour, in µs); longer ones count as that long. */
    private static final long MAX_MICROS = java.util.concurrent.TimeUnit.HOURS.toMicros(1);

    private final String tier;
    private final Map<String, LongAdder> errors;
    private final org.HdrHistogram.ConcurrentHistogram micros =
            new org.HdrHistogram.ConcurrentHistogram(1, MAX_MICROS, 2);
    private final LongAdder totalNanos = new LongAdder();
    volatile java.util.function.LongConsumer mirror = n -> {};

    TierLatency(String tier, Map<String, LongAdder> errors) {
        this.tier = tier;
        this.errors = errors;
    }

    @Override
    public void record(long nanos, Throwable error) {
        micros.recordValue(Math.max(0, Math.min(MAX_MICROS, nanos / 1000)));
        totalNanos.add(nanos);
        mirror.accept(nanos);
        if (error != null) {
            errors.computeIfAbsent(tier + "." + kind(error), k -> new LongAdder())
                    .increment();
        }
    }

    private static String kind(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof java.util.concurrent.TimeoutException
                    || t.getClass().getSimpleName().contains("Timeout")) return "timeout";
            if (t instanceof java.net.ConnectException
                    || t.getClass().getSimpleName().contains("Connection")) return "connection";
        }
        return "error";
    }

    long count() {
        return micros.getTotalCount();
    }

    long meanMicros() {
        long n = count();
        return n == 0 ? 0 : totalNanos.sum() / n / 1000;
    }

    /** The latency at the given quantile, within 1 % (0 when nothing was recorded). */
    long percentileMicros(double q) {
        return count() == 0 ? 0 : micros.getValueAtPercentile(q * 100);
    }
}
