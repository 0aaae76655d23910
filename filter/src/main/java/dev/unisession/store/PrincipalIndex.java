package dev.unisession.store;

import java.util.Set;

/**
 * A store capability: the sessions of each principal (the logged-in user), for listing a user's sessions, ending
 * them all and limiting how many a user may have. Every store of this library keeps one; a store handed to the
 * filter without it serves sessions, and the features that need the index say so when used.
 */
public interface PrincipalIndex {

    /**
     * The principal index of {@code store}.
     *
     * @throws IllegalStateException when the store keeps none, saying what needs it
     */
    static PrincipalIndex of(SessionStore store) {
        if (store instanceof PrincipalIndex) return (PrincipalIndex) store;
        throw new IllegalStateException("The session store " + store.getClass().getName() + " keeps no index of the "
                + "sessions of each user (it does not implement " + PrincipalIndex.class.getName() + "): listing or "
                + "ending a user's sessions and limiting how many a user may have need it");
    }

    /** The ids of the live sessions that belong to the principal. */
    Set<String> findIdsByPrincipal(String principal);

    /**
     * Removes every session of the principal, expired or not, and every index entry that names the principal.
     *
     * @return how many sessions were removed
     */
    int deleteAllOf(String principal);
}
