package dev.unisession.store;

/**
 * The gauges a store chain reports to the metrics (a capability: a store without near cache or write-behind queue
 * does not implement it, and reads as {@link #NONE}). A store in front of another reports the other's gauges beside
 * its own, so the metrics ask only the outermost store.
 */
public interface StoreGauges {

    /** A store with none of these parts. */
    StoreGauges NONE = new StoreGauges() {};

    /** The gauges of {@code store}: its own when it reports any, else {@link #NONE}. */
    static StoreGauges of(SessionStore store) {
        return store instanceof StoreGauges ? (StoreGauges) store : NONE;
    }

    /** Loads answered by this JVM's near cache. */
    default long nearCacheHits() {
        return 0;
    }

    /** Loads the near cache passed on to the shared tier. */
    default long nearCacheMisses() {
        return 0;
    }

    /** Sessions waiting to be written to the database, including those being written right now. */
    default long backlog() {
        return 0;
    }

    /** How long the oldest change waiting for the database has waited since the last complete flush, in ms. */
    default long flushLagMillis() {
        return 0;
    }

    /** The tier this node serves from (CACHE, DATABASE, a switch under way, DOWN), or NONE without tiers. */
    default String modeState() {
        return "NONE";
    }

    /** Switches this node has made between the cache tier and the database. */
    default long switches() {
        return 0;
    }
}
