package dev.unisession.boot;

import dev.unisession.codec.AttributeCodec;
import dev.unisession.codec.FrameworkProfile;
import dev.unisession.config.UnisessionConfig;
import dev.unisession.security.AuditSink;
import dev.unisession.store.DatabaseAuditSink;
import dev.unisession.store.JpaSettings;
import dev.unisession.store.JpaStore;
import dev.unisession.store.RedisSettings;
import dev.unisession.store.SessionStore;
import dev.unisession.store.StoreSettings;
import dev.unisession.store.Stores;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Builds the parts a configuration describes. */
public final class Bootstrap {

    private static final System.Logger LOG = System.getLogger(AttributeCodec.class.getName());

    private Bootstrap() {}

    /**
     * The codec a web application's settings describe: {@code unisession.codec.allow} plus {@code extraAllow},
     * the profiles {@code unisession.codec.profiles} selects from what {@code loader} can see, and
     * {@code unisession.codec.mode}. Logs the profiles in use, and a warning in report mode.
     *
     * @throws IllegalArgumentException naming the key, for an unknown profile or a bad pattern
     */
    public static AttributeCodec codec(
            UnisessionConfig config, ClassLoader loader, Predicate<String> appClass, List<String> extraAllow) {
        List<String> allow = new ArrayList<>(config.codecAllow());
        allow.addAll(extraAllow);
        List<FrameworkProfile> profiles = FrameworkProfile.select(config.codecProfiles(), loader);
        LOG.log(
                System.Logger.Level.INFO,
                "unisession session attribute profiles ({0}={1}): {2}",
                UnisessionConfig.Key.CODEC_PROFILES.key(),
                String.join(",", config.codecProfiles()),
                profiles.isEmpty() ? "none" : profiles.toString());
        if (config.codecMode() == AttributeCodec.Mode.REPORT) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "{0}=report: classes that are not allowed are STORED and logged "
                            + "once each. For development only: do not run this in production",
                    UnisessionConfig.Key.CODEC_MODE.key());
        }
        return new AttributeCodec(
                loader,
                appClass,
                new AttributeCodec.Policy(
                        allow,
                        profiles,
                        config.codecMode(),
                        new AttributeCodec.Limits(
                                config.codecMaxDepth(), config.codecMaxReferences(), config.codecMaxArrayLength())),
                config.maxAttributeBytes(),
                config.maxSessionBytes());
    }

    /**
     * Opens the store chain {@code unisession.store} names: memory, redis (near cache in front), jpa, memory-jpa,
     * or tiered (near cache, Redis, database written behind).
     *
     * @param loader the class loader that sees the application's classes (for the persistence unit)
     * @throws IllegalArgumentException naming the key when the store cannot be opened as configured
     */
    public static SessionStore store(UnisessionConfig config, ClassLoader loader, Clock clock) {
        try {
            return Stores.open(storeSettings(config), loader, clock);
        } catch (RuntimeException e) {
            throw config.scrubbed(e); // start-up errors quote URLs and drivers' messages: no password in a log
        }
    }

    /** The store chain's settings. */
    public static StoreSettings storeSettings(UnisessionConfig config) {
        return new StoreSettings(
                config.store(),
                redisSettings(config),
                jpaSettings(config),
                new StoreSettings.NearCache(
                        config.nearCacheEnabled(),
                        config.nearCacheSize(),
                        config.nearCacheIdle(),
                        config.touchFraction()),
                // a request waits for a switch of the cluster's mode as long as for Redis
                new StoreSettings.Tiered(
                        config.jpaFlushInterval(),
                        config.jpaBacklogMax(),
                        config.tieredLease(),
                        config.tieredHeartbeat(),
                        config.tieredReturnAfter(),
                        config.redisDeadline(),
                        config.redisPrefix()));
    }

    /** The Redis tier's settings. */
    public static RedisSettings redisSettings(UnisessionConfig config) {
        return new RedisSettings(
                config.redisUrl(),
                config.redisConfig(),
                config.redisTimeout(),
                config.redisConnectTimeout(),
                config.redisDeadline(),
                config.redisRetries(),
                config.redisMaxInFlight(),
                config.redisPrefix(),
                config.touchFraction());
    }

    /** The database's settings. */
    public static JpaSettings jpaSettings(UnisessionConfig config) {
        return new JpaSettings(
                config.jpaUrl(),
                config.jpaDataSource(),
                config.jpaUser(),
                config.jpaPassword(),
                config.jpaPoolSize(),
                config.jpaCreateSchema(),
                config::scrub);
    }

    /**
     * The audit sink {@code unisession.audit.sink} names: {@code log}, {@code none}, {@code database} (table
     * {@code us_audit} of the store's database) or an AuditSink class name.
     */
    public static AuditSink auditSink(UnisessionConfig config, SessionStore store, ClassLoader loader) {
        if (!"database".equals(config.auditSink())) return AuditSink.named(config.auditSink(), loader);
        JpaStore db = Stores.database(store);
        if (db == null) {
            throw new IllegalArgumentException(UnisessionConfig.Key.AUDIT_SINK.key() + "=database needs a store "
                    + "with a database (" + UnisessionConfig.Key.STORE.key() + "=jpa, memory-jpa or tiered)");
        }
        return new DatabaseAuditSink(db, config.auditRetention());
    }
}
