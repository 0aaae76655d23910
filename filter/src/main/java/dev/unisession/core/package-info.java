/**
 * The session lifecycle, independent of the servlet API and of any concrete store: a request's session
 * ({@link dev.unisession.core.ActiveSession}, attributes decoded lazily, changes kept as a delta), the engine that
 * loads, commits, renames, deletes and expires sessions over a {@link dev.unisession.store.SessionStore}, the
 * session manager behind the {@code api}, and the ids of sessions taken over from other mechanisms.
 */
package dev.unisession.core;
