package dev.unisession.it;

import dev.unisession.security.AuditEvent;
import dev.unisession.security.AuditSink;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts audit events by "TYPE" and "TYPE detail". */
final class CountingAudit implements AuditSink {
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

    @Override
    public void record(AuditEvent e) {
        counts.computeIfAbsent(e.type().name(), k -> new AtomicInteger()).incrementAndGet();
        if (e.detail() != null) {
            String key = e.type() + " "
                    + (e.type() == AuditEvent.Type.ATTRIBUTE_REFUSED
                            ? e.detail().substring(0, e.detail().indexOf(':'))
                            : e.detail());
            counts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        }
    }

    int count(String key) {
        AtomicInteger n = counts.get(key);
        return n == null ? 0 : n.get();
    }

    @Override
    public String toString() {
        return counts.toString();
    }
}
