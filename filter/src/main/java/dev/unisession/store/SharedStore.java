package dev.unisession.store;

/**
 * A store with every capability a near cache and the session manager need: storage, the principal index,
 * browsing and a change feed. The stores a cluster shares (Redis, the tiered store) are such stores, and so is the
 * memory store, which can stand in for them on one node.
 */
public interface SharedStore extends SessionStore, PrincipalIndex, SessionBrowser, ChangeFeed {}
