package dev.unisession.store;

/**
 * A store capability: copies of sessions in this JVM (the near cache). Clients then carry the version they last
 * saw written (the filter's version hint), so that a client moving between nodes reads its own writes even before
 * a change notice arrives.
 */
public interface LocalCopies {

    /** The session, skipping any local copy older than {@code minVersion}. */
    SessionRecord load(String id, long minVersion);
}
