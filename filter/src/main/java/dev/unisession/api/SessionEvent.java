package dev.unisession.api;

import java.time.Instant;

/**
 * Something that happened to a unified session, as {@link SessionEventListener}s (and, through the CDI extension,
 * CDI observers) hear it. One type for every kind; the fields that do not apply to a kind are null.
 *
 * <pre>{@code
 * public final class Switches implements SessionEventListener {
 *     public void onEvent(SessionEvent e) {
 *         if (e.type() == SessionEvent.Type.CONTEXT_SWITCHED) log.info(e.principal() + " now in " + e.context());
 *     }
 * }
 * }</pre>
 *
 * @param sessionId the session's id (after the change, for ID_CHANGED)
 * @param principal the session's principal (after the change, for PRINCIPAL_CHANGED)
 * @param context   the session's context (after the change, for CONTEXT_SWITCHED)
 * @param attribute the attribute's name, for ATTRIBUTE_CHANGED
 * @param previous  what it was before: the old id, principal or context; null otherwise
 */
public record SessionEvent(
        Type type, Instant at, String sessionId, String principal, String context, String attribute, String previous) {

    /** What happened. */
    public enum Type {
        /** A session began (created, or taken over from the container or an import). */
        CREATED,
        /** A session ended: invalidated, expired, logged out, or ended by an administrator. */
        DESTROYED,
        /** An attribute was added, replaced or removed. */
        ATTRIBUTE_CHANGED,
        /** The session's principal changed: login ({@code authenticate}) or a container login. */
        PRINCIPAL_CHANGED,
        /** The session's platform context changed ({@code switchContext}); the id stays. */
        CONTEXT_SWITCHED,
        /** The session got a new id (fixation defence, {@code changeSessionId}). */
        ID_CHANGED
    }
}
