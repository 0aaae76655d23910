package dev.unisession.store.jpa;

import dev.unisession.security.AuditEvent;
import dev.unisession.security.AuditSink;
import dev.unisession.store.DaemonScheduler;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Audit entries in the session database ({@code unisession.audit.sink=database}, table {@code us_audit}). Requests
 * only queue an entry; a background thread writes the queue in one transaction every second. The queue is
 * bounded: past 10,000 waiting entries, new ones are dropped and counted, never blocking a request. Entries
 * naming a principal can be erased (GDPR); entries older than {@code unisession.audit.retention} are deleted.
 */
public final class DatabaseAuditSink implements AuditSink, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(DatabaseAuditSink.class.getName());
    private static final int QUEUE = 10_000;
    private static final int MAX_TEXT = 255;

    private final JpaStore db;
    private final BlockingQueue<AuditRow> queue = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicLong dropped = new AtomicLong();
    private final DaemonScheduler writer;
    private final SecureRandom random = new SecureRandom();

    /** How often entries older than the retention are deleted. */
    private static final long TRIM_EVERY_MINUTES = 10;

    private final long retentionMillis;

    /**
     * @param retention how long entries are kept (zero: for ever); older ones are deleted every few minutes, in
     *                  the writer's thread
     */
    public DatabaseAuditSink(JpaStore db, java.time.Duration retention) {
        this.db = db;
        this.retentionMillis = retention.toMillis();
        this.writer = new DaemonScheduler("unisession-audit-writer");
        writer.scheduleWithFixedDelay(this::flushQuietly, 1, 1, TimeUnit.SECONDS);
        if (retentionMillis > 0) {
            writer.scheduleWithFixedDelay(this::trimQuietly, 0, TRIM_EVERY_MINUTES, TimeUnit.MINUTES);
        }
    }

    /** Deletes the entries older than the retention. @return how many */
    public int trim() {
        return retentionMillis <= 0 ? 0 : deleteBefore(System.currentTimeMillis() - retentionMillis);
    }

    /** Removes the entries written before {@code millis} (epoch ms). @return how many */
    private int deleteBefore(long millis) {
        return db.inTransaction(em -> JpaRows.rowCount(em, "DELETE FROM us_audit WHERE happened_at < ?", millis));
    }

    private void trimQuietly() {
        try {
            int n = trim();
            if (n > 0) LOG.log(System.Logger.Level.DEBUG, "Audit entries past their retention deleted: {0}", n);
        } catch (RuntimeException e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "Audit entries past their retention not deleted yet: {0}",
                    e.getMessage());
        }
    }

    private static String clip(String s) {
        return s == null || s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT);
    }

    @Override
    public void record(AuditEvent e) {
        byte[] id = new byte[16];
        random.nextBytes(id);
        AuditRow row = new AuditRow(
                Base64.getUrlEncoder().withoutPadding().encodeToString(id),
                e.at().toEpochMilli(),
                e.type().name(),
                e.sessionId(),
                clip(e.principal()),
                clip(e.detail()),
                clip(e.remoteAddress()));
        if (!queue.offer(row)) dropped.incrementAndGet();
    }

    /** Entries not written because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    /** Writes what is queued now. */
    public synchronized void flush() {
        List<AuditRow> batch = new ArrayList<>();
        queue.drainTo(batch);
        if (batch.isEmpty()) return;
        try {
            db.inTransaction(em -> {
                for (AuditRow r : batch) em.persist(r);
                return null;
            });
        } catch (RuntimeException e) {
            for (AuditRow r : batch) {
                if (!queue.offer(r)) dropped.incrementAndGet();
            }
            throw e;
        }
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Audit entries wait for the database: {0}", e.getMessage());
        }
    }

    @Override
    public synchronized int erase(String principal) {
        int queued = 0;
        for (AuditRow r : new ArrayList<>(queue)) {
            if (principal.equals(r.principal) && queue.remove(r)) queued++;
        }
        return queued
                + db.inTransaction(em -> JpaRows.rowCount(em, "DELETE FROM us_audit WHERE principal = ?", principal));
    }

    @Override
    public void close() {
        writer.stop(false, 5_000);
        flushQuietly();
    }
}
