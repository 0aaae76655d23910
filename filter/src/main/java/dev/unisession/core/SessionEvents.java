package dev.unisession.core;

import dev.unisession.api.SessionEvent;
import dev.unisession.api.SessionEventListener;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The registered {@link SessionEventListener}s of one filter (or admin tool), and the publishing of events. */
public final class SessionEvents {

    private static final System.Logger LOG = System.getLogger(SessionEvents.class.getName());

    private final List<SessionEventListener> listeners = new CopyOnWriteArrayList<>();

    public void add(SessionEventListener listener) {
        listeners.add(java.util.Objects.requireNonNull(listener, "listener"));
    }

    /** Whether anybody listens: callers skip building events otherwise. */
    public boolean isEmpty() {
        return listeners.isEmpty();
    }

    public void publish(
            SessionEvent.Type type,
            String sessionId,
            String principal,
            String context,
            String attribute,
            String previous) {
        if (listeners.isEmpty()) return;
        SessionEvent e = new SessionEvent(type, Instant.now(), sessionId, principal, context, attribute, previous);
        for (SessionEventListener l : listeners) {
            try {
                l.onEvent(e);
            } catch (RuntimeException ex) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "Session event listener " + l.getClass().getName() + " failed on " + type,
                        ex);
            }
        }
    }
}
