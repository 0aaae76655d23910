package dev.unisession.store;

import dev.unisession.security.AuditSink;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Opens the store chain that settings describe; used by the filter and the admin tool alike (through boot). The
 * memory store is this module's own; every other type comes from the {@link StoreProvider} of its module.
 */
public final class Stores {

    private Stores() {}

    /**
     * Opens a store chain: memory, redis (near cache in front), jpa, memory-jpa, or tiered (near cache, Redis,
     * database written behind).
     *
     * @param loader the class loader that sees the application's classes (for the persistence unit)
     * @throws IllegalArgumentException naming the setting when the store cannot be opened as configured, or the
     *     module that opens it when its jar is not on the class path
     */
    public static SessionStore open(StoreSettings settings, ClassLoader loader, Clock clock) {
        StoreType type = settings.type();
        if (type == StoreType.MEMORY) return new MemoryStore(clock);
        SessionStore store = provider(type, type).open(type, settings, loader, clock);
        StoreSettings.NearCache n = settings.nearCache();
        if (store instanceof SharedStore && n.enabled() && (type == StoreType.REDIS || type == StoreType.TIERED)) {
            try {
                return new NearCacheStore((SharedStore) store, n.size(), n.idle(), n.touchFraction(), clock);
            } catch (RuntimeException e) {
                store.close();
                throw e;
            }
        }
        return store;
    }

    /**
     * The cache tier the tiered store puts in front of its database: the store of {@code type} (redis) without a
     * near cache, from its module.
     */
    public static CacheTier cacheTier(StoreType type, StoreSettings settings, ClassLoader loader, Clock clock) {
        SessionStore s = provider(type, settings.type()).open(type, settings, loader, clock);
        if (s instanceof CacheTier) return (CacheTier) s;
        s.close();
        throw new IllegalArgumentException("store " + name(type) + " cannot be a tiered store's cache tier");
    }

    /**
     * The audit sink that writes to the database of a store chain (the audit table), or null when the chain has no
     * database.
     */
    public static AuditSink databaseAuditSink(SessionStore store, Duration retention) {
        SessionStore s = store instanceof NearCacheStore ? ((NearCacheStore) store).shared() : store;
        for (StoreProvider p : providers()) {
            AuditSink sink = p.databaseAuditSink(s, retention);
            if (sink != null) return sink;
        }
        return null;
    }

    /** The provider of {@code type}; the error names the store {@code configured} that needs it. */
    private static StoreProvider provider(StoreType type, StoreType configured) {
        for (StoreProvider p : providers()) {
            if (p.opens(type)) return p;
        }
        String modules = type == StoreType.REDIS
                ? "unisession-redis"
                : type == StoreType.TIERED ? "unisession-jpa and unisession-redis" : "unisession-jpa";
        throw new IllegalArgumentException("unisession.store=" + name(configured) + " needs " + modules
                + " on the class path (the drop-in unisession-filter-<version>-all.jar holds every store)");
    }

    /** The providers on the class path of this library (its own loader: the jars beside it). */
    private static List<StoreProvider> providers() {
        List<StoreProvider> found = new ArrayList<>();
        ServiceLoader.load(StoreProvider.class, Stores.class.getClassLoader()).forEach(found::add);
        return found;
    }

    private static String name(StoreType type) {
        return type.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
