package dev.unisession.store;

import java.util.List;

/** A store capability: paging through every session and counting them (the admin tool, metrics). */
public interface SessionBrowser {

    /**
     * The browsing of {@code store}.
     *
     * @throws IllegalStateException when the store cannot list its sessions
     */
    static SessionBrowser of(SessionStore store) {
        if (store instanceof SessionBrowser) return (SessionBrowser) store;
        throw new IllegalStateException("The session store " + store.getClass().getName() + " cannot list its "
                + "sessions (it does not implement " + SessionBrowser.class.getName() + ")");
    }

    /**
     * One page of sessions, in an order of the store's choosing that stays stable while nothing changes.
     *
     * @param cursor null for the first page, else the {@link Page#next()} of the page before
     * @param max    at most this many sessions
     */
    Page list(String cursor, int max);

    /** How many sessions are live (not yet expired), or -1 when this store cannot tell cheaply. */
    long count();

    /** One page of {@link #list}: the sessions and the cursor of the next page (null after the last). */
    record Page(List<SessionRecord> sessions, String next) {}
}
