package dev.unisession.cdi;

import dev.unisession.api.SessionEventListener;
import dev.unisession.api.SessionHealth;
import dev.unisession.api.SessionInfo;
import dev.unisession.api.SessionManager;
import dev.unisession.api.SessionMetrics;
import dev.unisession.api.SessionPage;
import dev.unisession.api.SessionValidator;
import jakarta.servlet.ServletContext;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The filter's SessionManager of a web application, found at each call. */
final class ContextSessionManager implements SessionManager {

    private final ServletContext context;

    ContextSessionManager(ServletContext context) {
        this.context = context;
    }

    private SessionManager target() {
        return SessionManager.of(context);
    }

    @Override
    public SessionInfo create(String principal, String ctx) {
        return target().create(principal, ctx);
    }

    @Override
    public boolean extend(String id, Duration duration) {
        return target().extend(id, duration);
    }

    @Override
    public void addEventListener(SessionEventListener l) {
        target().addEventListener(l);
    }

    @Override
    public void addValidator(SessionValidator v) {
        target().addValidator(v);
    }

    @Override
    public Optional<SessionInfo> find(String id) {
        return target().find(id);
    }

    @Override
    public List<SessionInfo> sessionsOf(String principal) {
        return target().sessionsOf(principal);
    }

    @Override
    public SessionPage list(String cursor, int max, Duration idle) {
        return target().list(cursor, max, idle);
    }

    @Override
    public boolean invalidate(String id) {
        return target().invalidate(id);
    }

    @Override
    public int invalidateAllOf(String principal, String keepId) {
        return target().invalidateAllOf(principal, keepId);
    }

    @Override
    public String exportOf(String principal) {
        return target().exportOf(principal);
    }

    @Override
    public int erase(String principal) {
        return target().erase(principal);
    }

    @Override
    public int cleanupExpired() {
        return target().cleanupExpired();
    }

    @Override
    public SessionMetrics stats() {
        return target().stats();
    }

    @Override
    public SessionHealth health() {
        return target().health();
    }
}
