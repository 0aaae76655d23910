package dev.unisession.api;

/**
 * Hears {@link SessionEvent}s, on the thread of the request that caused them (or of the expiry sweep). Registered
 * through {@code META-INF/services/dev.unisession.api.SessionEventListener} in the web application, by class name
 * in {@code unisession.event-listeners}, or with {@link SessionManager#addEventListener}. A listener must be quick
 * and must not throw (what it throws is logged and ignored).
 *
 * <pre>{@code
 * SessionManager.of(servletContext).addEventListener(e -> metrics.count(e.type().name()));
 * }</pre>
 */
@FunctionalInterface
public interface SessionEventListener {
    void onEvent(SessionEvent event);
}
