package dev.unisession.store.redis;

import dev.unisession.store.SessionStore;
import dev.unisession.store.StoreProvider;
import dev.unisession.store.StoreSettings;
import dev.unisession.store.StoreType;
import java.time.Clock;

/** {@code store=redis}, and the cache tier of {@code store=tiered}: a {@link RedisStore}. */
public final class RedisStoreProvider implements StoreProvider {

    @Override
    public boolean opens(StoreType type) {
        return type == StoreType.REDIS;
    }

    @Override
    public SessionStore open(StoreType type, StoreSettings settings, ClassLoader loader, Clock clock) {
        return RedisStore.connect(settings.redis(), clock);
    }
}
