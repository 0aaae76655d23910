package dev.unisession.store.jpa;

import dev.unisession.store.StoreUnavailableException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The ids of sessions that ended ({@link EndedRow}): recorded before their rows are deleted, so that from then on no
 * flush can create them again, and forgotten after {@link #KEEP_MILLIS}.
 */
final class EndedIds {

    private static final System.Logger LOG = System.getLogger(JpaStore.class.getName());

    /**
     * How long an ended id is remembered: far longer than any write can wait in a write-behind queue (it waits while
     * the database is down, up to the queue's bound).
     */
    static final long KEEP_MILLIS = TimeUnit.DAYS.toMillis(1);

    private final JpaTransactions tx;
    private final Clock clock;
    private volatile long forgottenAt;

    EndedIds(JpaTransactions tx, Clock clock) {
        this.tx = tx;
        this.clock = clock;
    }

    /**
     * Records ids as ended, each in a transaction of its own. A concurrent delete of the same id may record it first:
     * either record serves. Always true.
     */
    boolean record(List<String> ids) {
        long now = clock.millis();
        for (String id : ids) {
            try {
                tx.inTransaction(em -> {
                    if (em.find(EndedRow.class, id) == null) em.persist(new EndedRow(id, now));
                    return null;
                });
            } catch (StoreUnavailableException e) {
                tx.inTransaction(em -> em.find(EndedRow.class, id) != null ? null : fail(e)); // recorded meanwhile?
            }
        }
        return true;
    }

    private static Object fail(StoreUnavailableException e) {
        throw e;
    }

    /** At most hourly, from the expiry sweep: forgets ids that ended longer than {@link #KEEP_MILLIS} ago. */
    void forgetOld(long now) {
        if (now - forgottenAt < TimeUnit.HOURS.toMillis(1)) return;
        forgottenAt = now;
        try {
            tx.inTransaction(em -> em.createQuery("DELETE FROM EndedRow e WHERE e.endedAt < :before")
                    .setParameter("before", now - KEEP_MILLIS)
                    .executeUpdate());
        } catch (StoreUnavailableException e) {
            LOG.log(System.Logger.Level.DEBUG, "Ended ids not forgotten yet: {0}", e.getMessage());
        }
    }
}
