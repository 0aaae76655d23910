package dev.unisession.store.jpa;

import dev.unisession.store.CacheTier;

/** What a {@link ClusterMode} needs from the store whose mode it is. */
interface ModeParticipant {
    /**
     * Asks the cache tier: TRUE if every server of it answers, FALSE if one is gone (a connection-level fact),
     * null if that cannot be told (a late answer: slow is not gone).
     */
    Boolean cacheAnswers();

    /**
     * The cache tier lost what it held in the CACHE state this node serves (see
     * {@link CacheTier#lostData()}): a fact, not an opinion, so one node's report moves the cluster.
     */
    boolean cacheLostData();

    /**
     * The barrier's work before this node acknowledges a switch towards {@code to}; no request of the old mode
     * is under way when it is called. Throws if it cannot be done yet (it is tried again).
     */
    void drain(ClusterMode.State to);

    /**
     * This node moves the cluster into the CACHE state {@code epoch} (or creates the cluster in it): called
     * before that is committed, so before any node can enter it. The cache tier marks itself as that epoch's
     * ({@link CacheTier#openEpoch(long)}); nodes entering the epoch only adopt the mark, so a cache tier that
     * lost it (restarted empty) before a node entered is taken as lost by that node too, not as the epoch's.
     * Best effort: a cache tier that does not answer now is found without the mark by every node entering.
     * Also called, in its heartbeat transaction, by a node about to enter a CACHE state while no other node holds
     * a lease: a tier that lost the mark then (restarted while every node was stopped) lost nothing a live
     * node queues.
     */
    void opening(long epoch);

    /** This node serves in {@code state} (CACHE or DATABASE) from now on; {@code epoch} is the state's. */
    void entered(ClusterMode.State state, long epoch);
}
