package dev.unisession.store.jpa;

import dev.unisession.store.StoreUnavailableException;
import dev.unisession.store.TierTimer;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The session database's unit of work: an entity manager per call, a transaction committed (or rolled back on
 * failure, or when the work marked it rollback-only), each failure turned into {@link StoreUnavailableException},
 * and each call timed.
 */
final class JpaTransactions {

    private final EntityManagerFactory emf;
    private final AtomicLong committed = new AtomicLong();
    private volatile TierTimer timer = TierTimer.NONE;

    JpaTransactions(EntityManagerFactory emf) {
        this.emf = emf;
    }

    /** Committed transactions so far. */
    long committed() {
        return committed.get();
    }

    void timeWith(TierTimer timer) {
        this.timer = timer;
    }

    /** The innermost cause of a failure, for messages. */
    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.toString();
    }

    <T> T inTransaction(Function<EntityManager, T> work) {
        long start = System.nanoTime();
        Throwable failure = null;
        EntityManager em = emf.createEntityManager();
        try {
            em.getTransaction().begin();
            T result = work.apply(em);
            if (em.getTransaction().getRollbackOnly()) {
                em.getTransaction().rollback(); // the work found it cannot complete and undid itself
                return result;
            }
            em.getTransaction().commit();
            committed.incrementAndGet();
            return result;
        } catch (RuntimeException e) {
            failure = e;
            if (em.getTransaction().isActive()) {
                try {
                    em.getTransaction().rollback();
                } catch (RuntimeException rollback) {
                    e.addSuppressed(rollback);
                }
            }
            throw e instanceof StoreUnavailableException
                    ? e
                    : new StoreUnavailableException("Session database call failed: " + rootMessage(e), e);
        } finally {
            em.close();
            timer.record(System.nanoTime() - start, failure);
        }
    }

    /** Runs a read without a transaction. */
    <T> T read(Function<EntityManager, T> work) {
        long start = System.nanoTime();
        Throwable failure = null;
        EntityManager em = emf.createEntityManager();
        try {
            return work.apply(em);
        } catch (PersistenceException e) {
            failure = e;
            throw new StoreUnavailableException("Session database call failed: " + rootMessage(e), e);
        } finally {
            em.close();
            timer.record(System.nanoTime() - start, failure);
        }
    }
}
