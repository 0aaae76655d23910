package dev.unisession.store.jpa;

import dev.unisession.security.AuditSink;
import dev.unisession.store.CacheTier;
import dev.unisession.store.MemoryStore;
import dev.unisession.store.SessionStore;
import dev.unisession.store.StoreProvider;
import dev.unisession.store.StoreSettings;
import dev.unisession.store.StoreType;
import dev.unisession.store.Stores;
import java.time.Clock;
import java.time.Duration;

/**
 * {@code store=jpa} (a {@link JpaStore}), {@code memory-jpa} (memory in front of it, written behind) and
 * {@code tiered} (the Redis cache tier of unisession-redis in front of it, written behind, with the cluster mode).
 */
public final class JpaStoreProvider implements StoreProvider {

    @Override
    public boolean opens(StoreType type) {
        return type.usesDatabase();
    }

    @Override
    public SessionStore open(StoreType type, StoreSettings settings, ClassLoader loader, Clock clock) {
        switch (type) {
            case JPA:
                return JpaStore.connect(settings.jpa(), 0, clock, loader);
            case MEMORY_JPA:
                return tiered(
                        new MemoryStore(clock), JpaStore.connect(settings.jpa(), 0, clock, loader), settings, false);
            case TIERED: {
                CacheTier cache = Stores.cacheTier(StoreType.REDIS, settings, loader, clock);
                JpaStore db;
                try {
                    db = JpaStore.connect(settings.jpa(), settings.nearCache().touchFraction(), clock, loader);
                } catch (RuntimeException e) {
                    cache.close();
                    throw e;
                }
                try {
                    return tiered(cache, db, settings, true);
                } catch (RuntimeException e) {
                    cache.close();
                    db.close();
                    throw e;
                }
            }
            default:
                throw new IllegalArgumentException("unsupported store " + type);
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

    @Override
    public AuditSink databaseAuditSink(SessionStore store, Duration retention) {
        JpaStore db = store instanceof TieredStore
                ? ((TieredStore) store).database()
                : store instanceof JpaStore ? (JpaStore) store : null;
        return db == null ? null : new DatabaseAuditSink(db, retention);
    }
}
