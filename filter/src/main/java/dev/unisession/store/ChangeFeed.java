package dev.unisession.store;

/**
 * A store capability: notices of sessions that other nodes changed or ended, for a cache in front of a shared
 * store. Stores that live in this JVM implement it with no notices and a feed that is never live.
 */
public interface ChangeFeed {

    /** Registers a listener for changes made through <em>other</em> nodes. */
    default void addChangeListener(ChangeListener listener) {}

    /**
     * True while change notices from other nodes are being received, so a cache in front of this store may serve
     * from memory.
     */
    default boolean isChangeFeedLive() {
        return false;
    }

    /** Hears about sessions that another node changed or ended. */
    interface ChangeListener {
        /** The session changed or ended elsewhere; drop any copy of it. */
        void changed(String id);

        /** Change notices may have been missed (reconnect): drop every copy. */
        void reset();
    }
}
