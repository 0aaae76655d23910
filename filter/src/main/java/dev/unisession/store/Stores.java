package dev.unisession.store;

import java.time.Clock;

/** Opens the store chain that settings describe; used by the filter and the admin tool alike (through boot). */
public final class Stores {

    private Stores() {}

    /**
     * Opens a store chain: memory, redis (near cache in front), jpa, memory-jpa, or tiered (near cache, Redis,
     * database written behind).
     *
     * @param loader the class loader that sees the application's classes (for the persistence unit)
     * @throws IllegalArgumentException naming the setting when the store cannot be opened as configured
     */
    public static SessionStore open(StoreSettings settings, ClassLoader loader, Clock clock) {
        double touch = settings.nearCache().touchFraction();
        switch (settings.type()) {
            case MEMORY:
                return new MemoryStore(clock);
            case REDIS:
                return nearCache(RedisStore.connect(settings.redis(), clock), settings, clock);
            case JPA:
                return JpaStore.connect(settings.jpa(), 0, clock, loader);
            case MEMORY_JPA:
                return tiered(
                        new MemoryStore(clock), JpaStore.connect(settings.jpa(), 0, clock, loader), settings, false);
            case TIERED: {
                RedisStore redis = RedisStore.connect(settings.redis(), clock);
                JpaStore db;
                try {
                    db = JpaStore.connect(settings.jpa(), touch, clock, loader);
                } catch (RuntimeException e) {
                    redis.close();
                    throw e;
                }
                try {
                    return nearCache(tiered(redis, db, settings, true), settings, clock);
                } catch (RuntimeException e) {
                    redis.close();
                    db.close();
                    throw e;
                }
            }
            default:
                throw new IllegalArgumentException("unsupported store " + settings.type());
        }
    }

    private static TieredStore tiered(CacheTier cache, JpaStore db, StoreSettings settings, boolean shared) {
        StoreSettings.Tiered t = settings.tiered();
        return new TieredStore(
                cache,
                db,
                t.flushInterval(),
                t.backlogMax(),
                new ClusterMode.Settings(t.lease(), t.heartbeat(), t.returnAfter(), t.switchWait()),
                t.cluster(),
                shared);
    }

    /** The database tier of a store chain, or null. */
    public static JpaStore database(SessionStore store) {
        SessionStore s = store instanceof NearCacheStore ? ((NearCacheStore) store).shared() : store;
        if (s instanceof TieredStore) return ((TieredStore) s).database();
        return s instanceof JpaStore ? (JpaStore) s : null;
    }

    private static SharedStore nearCache(SharedStore shared, StoreSettings settings, Clock clock) {
        StoreSettings.NearCache n = settings.nearCache();
        return n.enabled() ? new NearCacheStore(shared, n.size(), n.idle(), n.touchFraction(), clock) : shared;
    }
}
