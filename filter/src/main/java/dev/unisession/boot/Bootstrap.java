package dev.unisession.boot;

import dev.unisession.codec.AttributeCodec;
import dev.unisession.codec.FrameworkProfile;
import dev.unisession.config.ConfigKey;
import dev.unisession.config.UnisessionConfig;
import dev.unisession.security.AuditSink;
import dev.unisession.store.SessionStore;
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
        List<String> allow = new ArrayList<>(config.codec().allow());
        allow.addAll(extraAllow);
        List<FrameworkProfile> profiles = FrameworkProfile.select(config.codec().profiles(), loader);
        LOG.log(
                System.Logger.Level.INFO,
                "unisession session attribute profiles ({0}={1}): {2}",
                ConfigKey.CODEC_PROFILES.key(),
                String.join(",", config.codec().profiles()),
                profiles.isEmpty() ? "none" : profiles.toString());
        if (config.codec().mode() == AttributeCodec.Mode.REPORT) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "{0}=report: classes that are not allowed are STORED and logged "
                            + "once each. For development only: do not run this in production",
                    ConfigKey.CODEC_MODE.key());
        }
        return new AttributeCodec(
                loader,
                appClass,
                new AttributeCodec.Policy(
                        allow,
                        profiles,
                        config.codec().mode(),
                        new AttributeCodec.Limits(
                                config.codec().maxDepth(),
                                config.codec().maxReferences(),
                                config.codec().maxArrayLength())),
                config.codec().maxAttributeBytes(),
                config.codec().maxSessionBytes());
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
            return Stores.open(config.storage(), loader, clock);
        } catch (RuntimeException e) {
            throw config.scrubbed(e); // start-up errors quote URLs and drivers' messages: no password in a log
        }
    }

    /**
     * The audit sink {@code unisession.audit.sink} names: {@code log}, {@code none}, {@code database} (table
     * {@code us_audit} of the store's database) or an AuditSink class name.
     */
    public static AuditSink auditSink(UnisessionConfig config, SessionStore store, ClassLoader loader) {
        if (!"database".equals(config.audit().sink()))
            return AuditSink.named(config.audit().sink(), loader);
        AuditSink sink = Stores.databaseAuditSink(store, config.audit().retention());
        if (sink == null) {
            throw new IllegalArgumentException(ConfigKey.AUDIT_SINK.key() + "=database needs a store "
                    + "with a database (" + ConfigKey.STORE.key() + "=jpa, memory-jpa or tiered)");
        }
        return sink;
    }
}
