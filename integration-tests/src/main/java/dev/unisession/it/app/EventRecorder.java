package dev.unisession.it.app;

import dev.unisession.api.SessionEvent;
import dev.unisession.api.SessionEventListener;

/** Records unisession's session events (registered by class name in unisession.event-listeners). */
public final class EventRecorder implements SessionEventListener {
    @Override
    public void onEvent(SessionEvent e) {
        EventLog.add("event " + e.type() + " " + e.sessionId() + " principal=" + e.principal() + " context="
                + e.context() + " previous=" + e.previous()
                + (e.attribute() == null ? "" : " attribute=" + e.attribute()));
    }
}
