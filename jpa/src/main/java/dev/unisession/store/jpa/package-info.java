/**
 * unisession-jpa: sessions in a database through EclipseLink ({@code store=jpa}), and the stores written behind to
 * one: {@code memory-jpa} and {@code tiered}. {@link dev.unisession.store.jpa.JpaStore} with its parts (persistence
 * unit, transactions, rows, batch writes, the JDBC fast path, expiry) and row entities; the tiered store
 * ({@link dev.unisession.store.jpa.TieredStore}) in front of it with its write-behind queue and its cluster mode (the
 * mode table every node heartbeats; see docs/tiered.md), which reaches its cache tier only as a
 * {@link dev.unisession.store.CacheTier}; and the audit table ({@link dev.unisession.store.jpa.DatabaseAuditSink}).
 * Found by {@link dev.unisession.store.jpa.JpaStoreProvider}.
 */
package dev.unisession.store.jpa;
