package dev.unisession.store;

import java.time.Duration;

/**
 * The store chain to open ({@code unisession.store} and the settings of its tiers), typed and validated by the
 * configuration; {@link Stores#open} builds it.
 *
 * @param type      which chain
 * @param redis     the Redis tier's settings (REDIS, TIERED)
 * @param jpa       the database's settings (JPA, MEMORY_JPA, TIERED)
 * @param nearCache the near cache in front of Redis
 * @param tiered    the write-behind queue and the cluster-wide mode (MEMORY_JPA, TIERED)
 */
public record StoreSettings(StoreType type, RedisSettings redis, JpaSettings jpa, NearCache nearCache, Tiered tiered) {

    /**
     * @param enabled       whether a near cache stands in front of Redis
     * @param size          the most sessions it holds
     * @param idle          how long an entry not read stays
     * @param touchFraction the share of maxInactive after which a read writes the access time through
     */
    public record NearCache(boolean enabled, int size, Duration idle, double touchFraction) {}

    /**
     * @param flushInterval how often the write-behind queue is written to the database
     * @param backlogMax    the most sessions the queue holds
     * @param lease         how long a node's heartbeat row counts
     * @param heartbeat     how often a node writes it
     * @param returnAfter   how long Redis must have answered before the cluster returns to it
     * @param switchWait    the longest a request waits for a switch (as for Redis)
     * @param cluster       the name of the nodes' cluster (the Redis key prefix they share)
     */
    public record Tiered(
            Duration flushInterval,
            int backlogMax,
            Duration lease,
            Duration heartbeat,
            Duration returnAfter,
            Duration switchWait,
            String cluster) {}
}
