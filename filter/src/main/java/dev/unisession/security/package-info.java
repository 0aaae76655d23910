/**
 * Security primitives with no dependency on the rest of the library: audit events and where they go
 * ({@link dev.unisession.security.AuditSink}), and the client fingerprint bound to a session. The bottom layer:
 * every other package may use it; it uses none of them.
 */
package dev.unisession.security;
