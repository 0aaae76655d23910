/**
 * Where session bytes live. The storage SPI {@link dev.unisession.store.SessionStore} with its value types
 * ({@link dev.unisession.store.SessionRecord}, {@link dev.unisession.store.SessionDelta},
 * {@link dev.unisession.store.SaveResult}) and its capability interfaces (principal index, browsing, change feed,
 * local copies, cache tier, gauges); the stores of this module (memory, the near cache); the typed settings records
 * of every store; and {@link dev.unisession.store.Stores}, which opens a chain, asking the
 * {@link dev.unisession.store.StoreProvider} of a storage module ({@code store.redis} in unisession-redis,
 * {@code store.jpa} in unisession-jpa) for the stores it does not hold itself. Depends on {@code security} only, so
 * the layers above see stores through the SPI; Redisson, Netty, JPA and a database are known to the storage
 * modules only.
 */
package dev.unisession.store;
