package dev.unisession.store;

import dev.unisession.config.UnisessionConfig;
import dev.unisession.security.AuditSink;

import java.time.Clock;

/** Opens the store chain a configuration names; used by the filter and the admin tool alike. */
public final class Stores {

    private Stores() {
    }

    /**
     * Opens {@code unisession.store}: memory, redis (near cache in front), jpa, memory-jpa, or tiered (near cache,
     * Redis, database written behind).
     *
     * @param loader the class loader that sees the application's classes (for the persistence unit)
     * @throws IllegalArgumentException naming the key when the store cannot be opened as configured
     */
    public static SessionStore open(UnisessionConfig config, ClassLoader loader, Clock clock) {
        try {
            return openStore(config, loader, clock);
        } catch (RuntimeException e) {
            throw config.scrubbed(e); // start-up errors quote URLs and drivers' messages: no password in a log
        }
    }

    private static SessionStore openStore(UnisessionConfig config, ClassLoader loader, Clock clock) {
        switch (config.store()) {
            case MEMORY:
                return new MemoryStore(clock);
            case REDIS:
                return nearCache(RedisStore.connect(config, clock), config, clock);
            case JPA:
                return JpaStore.connect(config, 0, clock, loader);
            case MEMORY_JPA:
                return new TieredStore(new MemoryStore(clock), JpaStore.connect(config, 0, clock, loader),
                        config.jpaFlushInterval(), config.jpaBacklogMax(), modeSettings(config), config.redisPrefix(),
                        false);
            case TIERED: {
                RedisStore redis = RedisStore.connect(config, clock);
                JpaStore db;
                try {
                    db = JpaStore.connect(config, config.touchFraction(), clock, loader);
                } catch (RuntimeException e) {
                    redis.close();
                    throw e;
                }
                try {
                    return nearCache(new TieredStore(redis, db, config.jpaFlushInterval(), config.jpaBacklogMax(),
                            modeSettings(config), config.redisPrefix(), true), config, clock);
                } catch (RuntimeException e) {
                    redis.close();
                    db.close();
                    throw e;
                }
            }
            default:
                throw new IllegalArgumentException("unsupported store " + config.store());
        }
    }

    /** The timings of the tiered store's cluster-wide mode; a request waits for a switch as long as for Redis. */
    static ClusterMode.Settings modeSettings(UnisessionConfig config) {
        return new ClusterMode.Settings(config.tieredLease(), config.tieredHeartbeat(), config.tieredReturnAfter(),
                config.redisDeadline());
    }

    /**
     * The audit sink {@code unisession.audit.sink} names: {@code log}, {@code none}, {@code database} (table
     * {@code us_audit} of the store's database) or an AuditSink class name.
     */
    public static AuditSink auditSink(UnisessionConfig config, SessionStore store, ClassLoader loader) {
        if (!"database".equals(config.auditSink())) return AuditSink.named(config.auditSink(), loader);
        JpaStore db = database(store);
        if (db == null) {
            throw new IllegalArgumentException(UnisessionConfig.Key.AUDIT_SINK.key() + "=database needs a store "
                    + "with a database (" + UnisessionConfig.Key.STORE.key() + "=jpa, memory-jpa or tiered)");
        }
        return new DatabaseAuditSink(db, config.auditRetention());
    }

    /** The database tier of a store chain, or null. */
    static JpaStore database(SessionStore store) {
        SessionStore s = store instanceof NearCacheStore ? ((NearCacheStore) store).shared() : store;
        if (s instanceof TieredStore) return ((TieredStore) s).database();
        return s instanceof JpaStore ? (JpaStore) s : null;
    }

    private static SessionStore nearCache(SessionStore shared, UnisessionConfig config, Clock clock) {
        return config.nearCacheEnabled() ? new NearCacheStore(shared, config.nearCacheSize(), config.nearCacheIdle(),
                config.touchFraction(), clock) : shared;
    }
}
