package dev.unisession.store;

import dev.unisession.security.AuditSink;
import java.time.Clock;
import java.time.Duration;

/**
 * Opens the stores of the types a storage module offers: {@code unisession-redis} (redis) and {@code unisession-jpa}
 * (jpa, memory-jpa, tiered) each name one in {@code META-INF/services/dev.unisession.store.StoreProvider}, and
 * {@link Stores} finds it through {@link java.util.ServiceLoader} when the module's jar is on the class path. The
 * memory store needs none.
 */
public interface StoreProvider {

    /** Whether this provider opens stores of {@code type}. */
    boolean opens(StoreType type);

    /**
     * Opens the store of {@code type} that {@code settings} describe, without the near cache: {@link Stores} puts
     * that in front where the settings ask for it.
     *
     * @param loader the class loader that sees the application's classes (for a persistence unit)
     * @throws IllegalArgumentException naming the setting when the store cannot be opened as configured
     */
    SessionStore open(StoreType type, StoreSettings settings, ClassLoader loader, Clock clock);

    /**
     * The audit sink that writes to the database of {@code store} (one this provider opened, without its near
     * cache), keeping entries for {@code retention}; null when the store has no database of this provider's.
     */
    default AuditSink databaseAuditSink(SessionStore store, Duration retention) {
        return null;
    }
}
