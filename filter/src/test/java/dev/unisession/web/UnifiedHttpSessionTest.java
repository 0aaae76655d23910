package dev.unisession.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.mockito.Mockito.mock;

import dev.unisession.codec.AttributeCodec;
import dev.unisession.core.ActiveSession;
import dev.unisession.core.SessionEngine;
import dev.unisession.store.MemoryStore;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnifiedHttpSessionTest {

    private final MemoryStore store = new MemoryStore();
    private final AttributeCodec codec = new AttributeCodec(getClass().getClassLoader(), n -> false, List.of());
    private final SessionEngine engine = new SessionEngine(store, codec, Clock.systemUTC(), 1800);
    private final List<String> destroyed = new ArrayList<>();
    private final ListenerBridge bridge = new ListenerBridge(
            "test",
            () -> List.of(new HttpSessionListener() {
                @Override
                public void sessionDestroyed(HttpSessionEvent se) {
                    destroyed.add(
                            se.getSession().getId() + " " + se.getSession().getAttribute("user"));
                }
            }));

    private final FilterRuntime runtime = new FilterRuntime(
            mock(ServletContext.class),
            engine,
            null,
            null,
            bridge,
            false,
            new dev.unisession.config.MigrationSettings(false, null, null, null),
            new FilterRuntime.Security(
                    dev.unisession.security.AuditSink.NONE,
                    new dev.unisession.config.SecuritySettings(
                            dev.unisession.security.Fingerprint.Policy.OFF,
                            dev.unisession.security.Fingerprint.OnMismatch.KEEP,
                            0,
                            dev.unisession.config.SecuritySettings.MaxSessionsPolicy.EVICT_OLDEST),
                    20),
            new dev.unisession.api.SessionMetrics(new dev.unisession.store.MemoryStore()));

    private UnifiedHttpSession view(ActiveSession a) {
        return runtime.view(a);
    }

    @Test
    void twoRequestsInvalidatingAtOnceFireSessionDestroyedOnce() {
        ActiveSession created = engine.create(engine.now());
        created.setAttribute("user", "alice");
        engine.commit(created);
        UnifiedHttpSession first = view(engine.load(created.id(), engine.now()));
        UnifiedHttpSession second = view(engine.load(created.id(), engine.now()));

        first.invalidate();
        second.invalidate();

        assertEquals(List.of(created.id() + " alice"), destroyed);
        assertThrows(IllegalStateException.class, () -> second.getAttribute("user"));
        assertNull(engine.load(created.id(), engine.now()));
    }
}
