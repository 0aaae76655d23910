package dev.unisession.store.jpa;

import dev.unisession.store.CacheTier;
import dev.unisession.store.StoreUnavailableException;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The database side of {@link ClusterMode}: the cluster's mode row ({@link ModeRow}) and the nodes' rows
 * ({@link NodeRow}), read and changed in one heartbeat transaction under the mode row's lock, so that two nodes
 * never move the cluster on from the same state.
 */
final class ModeTable {

    private static final System.Logger LOG = System.getLogger(ModeTable.class.getName());
    private static final long FORGET_NODES_AFTER_MILLIS = TimeUnit.HOURS.toMillis(1);

    /**
     * What a node reports as {@code cacheOkSince} when the cache tier lost what it held in the CACHE state (see
     * {@link CacheTier#lostData()}): the cluster switches to the database on one such report.
     */
    static final long LOST_DATA = -1;

    /** What a heartbeat read: the cluster's state and epoch. */
    record Read(ClusterMode.State state, long epoch) {}

    private final JpaStore db;
    private final String cluster;
    private final String nodeId;
    private final long leaseMillis;
    private final long returnAfterMillis;
    private final java.util.function.LongConsumer opening;

    /**
     * @param opening called with a CACHE state's epoch by the node that moves the cluster into it (or creates the
     *                cluster in it), before that is committed: see {@link ModeParticipant#opening(long)}
     */
    ModeTable(
            JpaStore db,
            String cluster,
            String nodeId,
            long leaseMillis,
            long returnAfterMillis,
            java.util.function.LongConsumer opening) {
        this.db = db;
        this.cluster = cluster;
        this.nodeId = nodeId;
        this.leaseMillis = leaseMillis;
        this.returnAfterMillis = returnAfterMillis;
        this.opening = opening;
    }

    /**
     * One heartbeat: renews this node's lease, writes what it sees of the cache tier ({@code cacheOkSince}, 0 for
     * gone) and the last switch it acknowledged, moves the cluster on if due, and returns its state; {@code tidy}
     * also forgets nodes whose lease lapsed long ago.
     */
    Read beat(long now, long cacheOkSince, long acked, long servingCache, boolean tidy) {
        try {
            return db.inTransaction(em -> beat(em, now, cacheOkSince, acked, servingCache, tidy));
        } catch (StoreUnavailableException e) {
            // Nodes starting together on a new database both insert the mode row; the loser finds it now.
            return db.inTransaction(em -> beat(em, now, cacheOkSince, acked, servingCache, tidy));
        }
    }

    /** @param servingCache the CACHE epoch this node serves in, -1 if none */
    private Read beat(EntityManager em, long now, long cacheOkSince, long acked, long servingCache, boolean tidy) {
        ModeRow m = em.find(ModeRow.class, cluster, LockModeType.PESSIMISTIC_WRITE);
        if (m == null) {
            m = new ModeRow(cluster, ClusterMode.State.CACHE.name(), 0, now);
            em.persist(m);
            em.flush(); // a node creating it at the same time fails here, before it marks anything
            opening.accept(0);
        }
        NodeRow me = em.find(NodeRow.class, nodeId);
        if (me == null) {
            me = new NodeRow(nodeId, cluster);
            em.persist(me);
        }
        me.leaseUntil = now + leaseMillis;
        me.cacheOkSince = cacheOkSince;
        me.acked = acked;
        em.flush();
        List<NodeRow> live = em.createQuery(
                        "SELECT n FROM NodeRow n WHERE n.cluster = :c AND n.leaseUntil > :now", NodeRow.class)
                .setParameter("c", cluster)
                .setParameter("now", now)
                .getResultList();
        ClusterMode.State state = ClusterMode.State.valueOf(m.state);
        ClusterMode.State next = next(state, m.epoch, live, now);
        if (next != null) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "Session store mode: {0} (epoch {1}) to {2} (epoch {3}), decided by "
                            + "node {4} for {5} live nodes",
                    state,
                    m.epoch,
                    next,
                    m.epoch + 1,
                    nodeId,
                    live.size());
            if (next == ClusterMode.State.CACHE) opening.accept(m.epoch + 1);
            m.state = next.name();
            m.epoch++;
            m.changedAt = now;
        }
        if (tidy) {
            em.createQuery("DELETE FROM NodeRow n WHERE n.cluster = :c AND n.leaseUntil < :old")
                    .setParameter("c", cluster)
                    .setParameter("old", now - FORGET_NODES_AFTER_MILLIS)
                    .executeUpdate();
        }
        ClusterMode.State reached = ClusterMode.State.valueOf(m.state);
        // Alone in the cluster (its first node to start, or every other node's lease lapsed) and about to enter a
        // CACHE state: no other node holds a lease, so no queue of a live node can hold a change, and a cache tier
        // without the epoch's mark (Redis restarted or flushed while every node was stopped) lost nothing. Marked
        // here, under the mode row's lock and before this heartbeat commits, so before another node's heartbeat can
        // see this one and enter after it.
        if (reached == ClusterMode.State.CACHE
                && servingCache != m.epoch
                && live.stream().allMatch(r -> r.id.equals(nodeId))) {
            opening.accept(m.epoch);
        }
        return new Read(reached, m.epoch);
    }

    /**
     * The state the cluster moves on to from {@code state}, or null if it stays: to the database when a majority of
     * the live nodes see the cache tier gone or one of them saw it lose its data, back when a majority has seen it answer for {@code returnAfter}, out
     * of a barrier when every live node has acknowledged it.
     */
    private ClusterMode.State next(ClusterMode.State state, long epoch, List<NodeRow> live, long now) {
        int n = live.size();
        switch (state) {
            case CACHE:
                return live.stream().anyMatch(r -> r.cacheOkSince == LOST_DATA)
                                || 2
                                                * live.stream()
                                                        .filter(r -> r.cacheOkSince <= 0)
                                                        .count()
                                        > n
                        ? ClusterMode.State.TO_DATABASE
                        : null;
            case DATABASE:
                return 2
                                        * live.stream()
                                                .filter(r ->
                                                        r.cacheOkSince > 0 && now - r.cacheOkSince >= returnAfterMillis)
                                                .count()
                                > n
                        ? ClusterMode.State.TO_CACHE
                        : null;
            case TO_DATABASE:
                return live.stream().allMatch(r -> r.acked == epoch) ? ClusterMode.State.DATABASE : null;
            case TO_CACHE:
                return live.stream().allMatch(r -> r.acked == epoch) ? ClusterMode.State.CACHE : null;
            default:
                throw new IllegalStateException(state.name());
        }
    }

    /** Removes this node's row: it leaves the cluster, and no barrier waits for it. */
    void leave() {
        db.inTransaction(em -> em.createQuery("DELETE FROM NodeRow n WHERE n.id = :id")
                .setParameter("id", nodeId)
                .executeUpdate());
    }
}
