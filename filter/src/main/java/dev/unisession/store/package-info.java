/**
 * Where session bytes live. The storage SPI {@link dev.unisession.store.SessionStore} with its value types
 * ({@link dev.unisession.store.SessionRecord}, {@link dev.unisession.store.SessionDelta},
 * {@link dev.unisession.store.SaveResult}) and its capability interfaces (principal index, browsing, change feed,
 * local copies, cache tier, gauges); the stores (memory, Redis through Redisson, JPA through EclipseLink, the near
 * cache, the tiered store with its cluster mode and write-behind queue); their typed settings records. The only
 * package that knows Redisson, Netty, JPA or a database; it depends on {@code security} only, so the layers above
 * see stores through the SPI.
 */
package dev.unisession.store;
