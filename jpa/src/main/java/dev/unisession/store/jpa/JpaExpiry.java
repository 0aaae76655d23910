package dev.unisession.store.jpa;

import dev.unisession.store.SessionRecord;
import dev.unisession.store.StoreUnavailableException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/** The session database's expiry sweep: claiming due sessions, each by exactly one sweeper. */
final class JpaExpiry {

    private static final System.Logger LOG = System.getLogger(JpaStore.class.getName());

    private final JpaTransactions tx;

    JpaExpiry(JpaTransactions tx) {
        this.tx = tx;
    }

    /** Sessions claimed per transaction: short transactions keep concurrent sweepers from waiting on each other. */
    private static final int CLAIM_CHUNK = 50;

    /**
     * Claims up to {@code max} expired sessions for which {@code mayClaim} agrees: each is removed by a conditional
     * delete, which exactly one caller wins, and returned with its attributes. The work is done in short
     * transactions of a few dozen sessions, so that sweepers on several nodes never hold each other up for long;
     * a chunk that another sweeper holds locked is left to it.
     */
    List<SessionRecord> claim(long now, int max, Predicate<String> mayClaim) {
        List<String> due = tx.read(em -> em.createQuery(
                        "SELECT s.id FROM SessionRow s WHERE s.expiresAt <= :now ORDER BY s.expiresAt", String.class)
                .setParameter("now", now)
                .setMaxResults(max)
                .getResultList());
        List<String> candidates = new ArrayList<>();
        for (String id : due) if (mayClaim.test(id)) candidates.add(id);
        List<SessionRecord> out = new ArrayList<>();
        StoreUnavailableException failure = null;
        for (int i = 0; i < candidates.size(); i += CLAIM_CHUNK) {
            List<String> chunk = candidates.subList(i, Math.min(candidates.size(), i + CLAIM_CHUNK));
            try {
                out.addAll(claimChunk(chunk, now));
            } catch (StoreUnavailableException e) {
                failure = e;
                LOG.log(
                        System.Logger.Level.DEBUG,
                        "Expiry claim of {0} sessions skipped: {1}",
                        chunk.size(),
                        e.getMessage());
            }
        }
        if (out.isEmpty() && failure != null) throw failure;
        return out;
    }

    private List<SessionRecord> claimChunk(List<String> ids, long now) {
        List<SessionRecord> claimed = new ArrayList<>();
        // This claim's mark on the ended ids it records (EndedRow.endedAt): the claim time plus a random part, so
        // that the read-back below tells this claim's rows from another sweeper's.
        long stamp = now + java.util.concurrent.ThreadLocalRandom.current().nextLong(STAMP_SPREAD_MILLIS);
        try {
            return claimChunk(ids, now, stamp, claimed);
        } catch (StoreUnavailableException e) {
            if (claimed.isEmpty()) throw e;
            // The deletes ran and the commit failed, which need not mean it did not happen (a database can fail
            // after its commit is durable: H2 analyses tables and ends the transaction's work after it). Reported
            // as failed, the sessions whose rows are gone would be destroyed without their listeners; reported
            // because their rows are gone, a session another sweeper claimed after this transaction really rolled
            // back would be destroyed twice. The ended ids this claim recorded in its transaction say which it is.
            List<String> claimedIds = new ArrayList<>();
            for (SessionRecord r : claimed) claimedIds.add(r.id());
            Set<String> mine = readBack(claimedIds, stamp, e);
            List<SessionRecord> won = new ArrayList<>();
            for (SessionRecord r : claimed) if (mine.contains(r.id())) won.add(r);
            if (won.isEmpty()) throw e;
            LOG.log(
                    System.Logger.Level.WARNING,
                    "The commit of an expiry claim failed but it took effect for {0} of its {1} sessions: taken as "
                            + "claimed ({2})",
                    won.size(),
                    claimed.size(),
                    e.getMessage());
            return won;
        }
    }

    /**
     * The ids of {@code claimedIds} that a claim marked {@code stamp} recorded as ended: the ones it took, though its
     * commit reported {@code failure}. The read is tried a few times (the database may still be busy with what made
     * the commit fail); if it never succeeds, the claim's sessions may be gone without being reported, which is
     * logged as a warning, and {@code failure} is thrown.
     */
    private Set<String> readBack(List<String> claimedIds, long stamp, StoreUnavailableException failure) {
        for (int attempt = 0; ; attempt++) {
            try {
                return new HashSet<>(tx.read(em -> em.createQuery(
                                "SELECT e.id FROM EndedRow e WHERE e.id IN :ids AND e.endedAt = :stamp", String.class)
                        .setParameter("ids", claimedIds)
                        .setParameter("stamp", stamp)
                        .getResultList()));
            } catch (RuntimeException e) {
                failure.addSuppressed(e);
                if (attempt == READ_BACK_ATTEMPTS - 1) {
                    LOG.log(
                            System.Logger.Level.WARNING,
                            "The commit of an expiry claim failed and what it took cannot be read back: up to {0} "
                                    + "sessions may have ended without their listeners ({1}; {2})",
                            claimedIds.size(),
                            failure.getMessage(),
                            e.getMessage());
                    throw failure;
                }
                try {
                    Thread.sleep(50L << attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw failure;
                }
            }
        }
    }

    private static final int READ_BACK_ATTEMPTS = 4;

    /**
     * The spread of the random part of a claim's stamp: two claims of the same chunk in the same millisecond share a
     * stamp once in this many (and only a failed commit reads it).
     */
    private static final long STAMP_SPREAD_MILLIS = 60_000;

    /**
     * One chunk's claim; {@code claimed} gets the won records once the work is done, before the commit. Each is
     * recorded as ended, marked {@code stamp} (so no write queued for it can create it again, as for a delete).
     */
    private List<SessionRecord> claimChunk(List<String> ids, long now, long stamp, List<SessionRecord> claimed) {
        return tx.inTransaction(em -> {
            List<SessionRow> rows = em.createQuery("SELECT s FROM SessionRow s WHERE s.id IN :ids", SessionRow.class)
                    .setParameter("ids", ids)
                    .getResultList();
            Map<String, Map<String, byte[]>> attrs = JpaRows.attributes(em, ids);
            List<SessionRow> won = new ArrayList<>();
            for (SessionRow r : rows) {
                int n = JpaRows.rowCount(em, "DELETE FROM us_session WHERE id = ? AND expires_at <= ?", r.id, now);
                if (n == 1) won.add(r);
            }
            List<String> wonIds = new ArrayList<>();
            for (SessionRow r : won) wonIds.add(r.id);
            if (!wonIds.isEmpty()) {
                em.createQuery("DELETE FROM AttributeRow a WHERE a.sessionId IN :ids")
                        .setParameter("ids", wonIds)
                        .executeUpdate();
            }
            Set<String> ended = JpaRows.endedAmong(em, wonIds);
            List<SessionRecord> out = new ArrayList<>();
            for (SessionRow r : won) {
                // A row left behind by an insert racing a delete (see JpaRows.LIVE_ROW): its session ended with its
                // events.
                if (ended.contains(r.id)) continue;
                out.add(JpaRows.toRecord(r, attrs.getOrDefault(r.id, Map.of())));
                em.persist(new EndedRow(r.id, stamp));
            }
            claimed.addAll(out);
            return out;
        });
    }
}
