package dev.unisession.store.jpa;

/**
 * One node of a cluster (table {@code us_node}): its lease, what it sees of the cache tier and the last switch
 * it acknowledged. Written by the node's own {@link ClusterMode} heartbeat. Mapped in
 * {@code META-INF/unisession-orm.xml}.
 */
public class NodeRow {
    String id;
    String cluster;
    /** Until when (ms since the epoch, the writer's clock) the node counts as live. */
    long leaseUntil;
    /**
     * Since when the node has seen the cache tier answer without a break; 0 while it sees it gone; -1 when the
     * cache tier lost its data ({@link ModeTable#LOST_DATA}).
     */
    long cacheOkSince;
    /** The epoch of the last switch whose barrier the node completed. */
    long acked;

    protected NodeRow() {}

    NodeRow(String id, String cluster) {
        this.id = id;
        this.cluster = cluster;
        this.acked = -1;
    }
}
