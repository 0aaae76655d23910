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
        try {
            return claimChunk(ids, now, claimed);
        } catch (StoreUnavailableException e) {
            if (claimed.isEmpty()) throw e;
            // The deletes ran and the commit failed, which need not mean it did not happen (a database can fail
            // after its commit is durable: H2 analyses tables and ends the transaction's work after it). Reported
            // as failed, the sessions whose rows are gone would be destroyed without their listeners: read back.
            // (Should the commit really have failed and another deleter taken a row before this read, that session
            // is reported twice; a per-claim marker in the row's place would tell them apart.)
            List<String> claimedIds = new ArrayList<>();
            for (SessionRecord r : claimed) claimedIds.add(r.id());
            Set<String> left;
            try {
                left = new HashSet<>(
                        tx.read(em -> em.createQuery("SELECT s.id FROM SessionRow s WHERE s.id IN :ids", String.class)
                                .setParameter("ids", claimedIds)
                                .getResultList()));
            } catch (RuntimeException readBack) {
                e.addSuppressed(readBack);
                throw e;
            }
            List<SessionRecord> gone = new ArrayList<>();
            for (SessionRecord r : claimed) if (!left.contains(r.id())) gone.add(r);
            if (gone.isEmpty()) throw e;
            LOG.log(
                    System.Logger.Level.WARNING,
                    "The commit of an expiry claim failed but {0} of its {1} sessions "
                            + "are gone from the database: taken as claimed ({2})",
                    gone.size(),
                    claimed.size(),
                    e.getMessage());
            return gone;
        }
    }

    /** One chunk's claim; {@code claimed} gets the won records once the work is done, before the commit. */
    private List<SessionRecord> claimChunk(List<String> ids, long now, List<SessionRecord> claimed) {
        return tx.inTransaction(em -> {
            List<SessionRow> rows = em.createQuery("SELECT s FROM SessionRow s WHERE s.id IN :ids", SessionRow.class)
                    .setParameter("ids", ids)
                    .getResultList();
            Map<String, Map<String, byte[]>> attrs = JpaRows.attributes(em, ids);
            List<SessionRow> won = new ArrayList<>();
            for (SessionRow r : rows) {
                int n = em.createQuery("DELETE FROM SessionRow s WHERE s.id = :id AND s.expiresAt <= :now")
                        .setParameter("id", r.id)
                        .setParameter("now", now)
                        .executeUpdate();
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
                if (!ended.contains(r.id)) out.add(JpaRows.toRecord(r, attrs.getOrDefault(r.id, Map.of())));
            }
            claimed.addAll(out);
            return out;
        });
    }
}
