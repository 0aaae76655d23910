package dev.unisession.sample;

import dev.unisession.api.SessionEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts the session events the application observed as CDI events, synchronously and asynchronously. */
@ApplicationScoped
public class EventCounter {

    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

    void sync(@Observes SessionEvent e) {
        count("sync", e);
    }

    void async(@ObservesAsync SessionEvent e) {
        count("async", e);
    }

    private void count(String how, SessionEvent e) {
        counts.computeIfAbsent(how + " " + e.type(), k -> new AtomicInteger()).incrementAndGet();
        if (e.sessionId() != null) {
            counts.computeIfAbsent(how + " " + e.type() + " " + e.sessionId(), k -> new AtomicInteger())
                    .incrementAndGet();
        }
    }

    /** Counts by "sync|async TYPE" (and per session: "sync|async TYPE id"). */
    public Map<String, Integer> snapshot() {
        Map<String, Integer> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }
}
