package dev.unisession.cdi;

import dev.unisession.api.SessionEvent;
import dev.unisession.api.SessionEventListener;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.inject.Vetoed;
import jakarta.enterprise.inject.spi.CDI;

/**
 * Fires every {@link SessionEvent} as a CDI event, once to synchronous observers ({@code @Observes}) and once to
 * asynchronous ones ({@code @ObservesAsync}):
 *
 * <pre>{@code
 * void onSwitch(@Observes SessionEvent e) { if (e.type() == SessionEvent.Type.CONTEXT_SWITCHED) ... }
 * }</pre>
 *
 * Registered with the filter through {@code META-INF/services}; does nothing where no CDI container runs.
 */
@Vetoed
public final class CdiEvents implements SessionEventListener {

    private static final System.Logger LOG = System.getLogger(CdiEvents.class.getName());

    @Override
    public void onEvent(SessionEvent event) {
        Event<SessionEvent> fire;
        try {
            fire = CDI.current().getBeanManager().getEvent().select(SessionEvent.class);
        } catch (IllegalStateException e) {
            return; // no CDI container here
        }
        fire.fire(event);
        fire.fireAsync(event).exceptionally(e -> {
            LOG.log(System.Logger.Level.WARNING, "Asynchronous observer of " + event.type() + " failed", e);
            return event;
        });
    }
}
