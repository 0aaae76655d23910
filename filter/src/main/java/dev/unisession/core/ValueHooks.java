package dev.unisession.core;

/**
 * What an {@link ActiveSession} tells about its values: each one read back from the store, each one about to be
 * written to it, and each stored value it could not read. The web layer passes the first two on to values that are
 * {@code HttpSessionActivationListener}s (activation and passivation) and audits the third.
 */
public interface ValueHooks {
    ValueHooks NONE = new ValueHooks() {
        public void didLoad(Object value) {}

        public void willStore(Object value) {}

        public void unreadable(String name, String reason) {}
    };

    void didLoad(Object value);

    void willStore(Object value);

    /** A stored value could not be read (damaged, or a class that is refused or gone). */
    void unreadable(String name, String reason);
}
