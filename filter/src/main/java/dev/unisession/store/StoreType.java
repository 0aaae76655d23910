package dev.unisession.store;

/** Where sessions are kept ({@code unisession.store}). */
public enum StoreType {
    /** This JVM only. */
    MEMORY,
    /** Redis, with a near cache per JVM. */
    REDIS,
    /** The database only; every change is written at once. */
    JPA,
    /** One node: memory in front of the database, written behind. */
    MEMORY_JPA,
    /** Near cache, Redis, and the database written behind; Redis outages fall back to the database. */
    TIERED;

    /** Whether this store needs the database settings. */
    public boolean usesDatabase() {
        return this == JPA || this == MEMORY_JPA || this == TIERED;
    }

    /** Whether this store is shared by several nodes (so they need the same signing keys). */
    public boolean isShared() {
        return this == REDIS || this == JPA || this == TIERED;
    }
}
