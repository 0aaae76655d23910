package dev.unisession.store;

/**
 * What a probe found out about one store tier.
 *
 * @param name      near-cache, memory, redis or database
 * @param role      what the tier does for the store
 * @param up        whether it answered
 * @param latencyMicros how long the probe took
 * @param sessions  live sessions the tier holds, or -1 when unknown (or down)
 * @param detail    why it is down, or null
 */
public record TierHealth(String name, Role role, boolean up, long latencyMicros, long sessions, String detail) {

    /** What a tier does for the store it belongs to. */
    public enum Role {
        /** A copy in this JVM in front of the others: its loss costs speed, never sessions. */
        CACHE,
        /** Where sessions are read and written while it is up. */
        PRIMARY,
        /** The durable copy, which serves reads and writes while the primary is down. */
        FALLBACK
    }

    /** The first tier, in read order, that serves sessions (not a cache) and answered; null when none did. */
    public static TierHealth serving(java.util.List<TierHealth> tiers) {
        for (TierHealth t : tiers) {
            if (t.up() && t.role() != Role.CACHE) return t;
        }
        return null;
    }

    /** Times a probe: runs it, and reports the tier down with the failure when it throws. */
    public static TierHealth measure(String name, Role role, java.util.function.LongSupplier countSessions) {
        long start = System.nanoTime();
        try {
            long sessions = countSessions.getAsLong();
            return new TierHealth(name, role, true, (System.nanoTime() - start) / 1000, sessions, null);
        } catch (RuntimeException e) {
            return new TierHealth(name, role, false, (System.nanoTime() - start) / 1000, -1, e.getMessage());
        }
    }
}
