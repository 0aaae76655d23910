package dev.unisession.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.unisession.testing.LogCapture;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which container's listeners the bridge finds, and what it says when it finds none. */
class ListenerBridgeTest {

    private LogCapture log;

    @BeforeEach
    void listen() {
        log = LogCapture.of(ListenerBridge.class);
    }

    @AfterEach
    void stopListening() {
        log.close();
    }

    @Test
    void anUnknownContainerIsNamedWithWhatTheApplicationLosesAndWhatToDo() {
        ServletContext ctx = mock(ServletContext.class);
        when(ctx.getServerInfo()).thenReturn("Acme Server/1.0");
        assertEquals("none", ListenerBridge.forContext(ctx).containerName());
        assertEquals(1, log.records().size(), log.records().toString());
        String message = new java.util.logging.SimpleFormatter()
                .formatMessage(log.records().get(0));
        assertTrue(
                message.contains("Acme Server/1.0")
                        && message.contains("HttpSessionListener")
                        && message.contains("will not hear of unified sessions")
                        && message.contains("SessionEventListener"),
                message);
    }

    /** Undertow's shape: ServletContextImpl.getDeployment().getApplicationListeners(), private allListeners. */
    public abstract static class UndertowContext implements ServletContext {
        public abstract Deployment getDeployment();
    }

    public static final class Deployment {
        private final ApplicationListeners listeners;

        Deployment(ApplicationListeners listeners) {
            this.listeners = listeners;
        }

        public ApplicationListeners getApplicationListeners() {
            return listeners;
        }
    }

    public static final class ApplicationListeners {
        private final List<ManagedListener> allListeners = new ArrayList<>();
    }

    public static final class ManagedListener {
        private final Object instance;

        ManagedListener(Object instance) {
            this.instance = instance;
        }

        public Object instance() {
            return instance;
        }
    }

    @Test
    void undertowsListenerInstancesHearUnifiedSessions() {
        List<String> heard = new ArrayList<>();
        HttpSessionListener app = new HttpSessionListener() {
            @Override
            public void sessionCreated(HttpSessionEvent se) {
                heard.add("created " + se.getSession().getId());
            }
        };
        ApplicationListeners listeners = new ApplicationListeners();
        listeners.allListeners.add(new ManagedListener(app));
        UndertowContext ctx = mock(UndertowContext.class);
        when(ctx.getDeployment()).thenReturn(new Deployment(listeners));
        ListenerBridge bridge = ListenerBridge.forContext(ctx);
        assertEquals("undertow", bridge.containerName());
        HttpSession session = mock(HttpSession.class);
        when(session.getId()).thenReturn("s1");
        bridge.sessionCreated(session);
        assertEquals(List.of("created s1"), heard);
        assertTrue(log.records().isEmpty(), log.records().toString());
    }
}
