package dev.unisession.web;

import dev.unisession.core.ActiveSession;
import dev.unisession.core.SessionEngine;
import dev.unisession.core.ValueHooks;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionActivationListener;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionBindingListener;
import jakarta.servlet.http.HttpSessionEvent;
import java.util.Collections;
import java.util.Enumeration;

/**
 * The {@link HttpSession} the application gets: a view over one {@link ActiveSession} that fires the servlet
 * events (binding, attribute, lifecycle) the way a container would.
 */
final class UnifiedHttpSession implements HttpSession {

    private final ActiveSession active;
    private final FilterRuntime runtime;
    private final ServletContext servletContext;
    private final ListenerBridge listeners;
    private final SessionEngine engine;
    private volatile boolean valid = true;
    private volatile boolean invalidating;
    /** The request this view serves (told of a store failure, so that it answers 503), or null (expiry). */
    private volatile RequestSession request;

    UnifiedHttpSession(ActiveSession active, FilterRuntime runtime) {
        this.active = active;
        this.runtime = runtime;
        this.servletContext = runtime.servletContext();
        this.listeners = runtime.listeners();
        this.engine = runtime.engine();
        active.hooks(new ValueHooks() {
            @Override
            public void didLoad(Object value) {
                if (value instanceof HttpSessionActivationListener) {
                    ((HttpSessionActivationListener) value).sessionDidActivate(new HttpSessionEvent(self()));
                }
            }

            @Override
            public void unreadable(String name, String reason) {
                runtime.audit(
                        dev.unisession.security.AuditEvent.Type.ATTRIBUTE_REFUSED,
                        active.id(),
                        active.principal(),
                        name + ": " + reason,
                        null);
            }

            @Override
            public void willStore(Object value) {
                if (value instanceof HttpSessionActivationListener) {
                    ((HttpSessionActivationListener) value).sessionWillPassivate(new HttpSessionEvent(self()));
                }
            }
        });
    }

    private UnifiedHttpSession self() {
        return this;
    }

    ActiveSession active() {
        return active;
    }

    void servedBy(RequestSession request) {
        this.request = request;
    }

    boolean isValid() {
        return valid;
    }

    private void checkValid(String method) {
        if (!valid) throw new IllegalStateException(method + ": session already invalidated");
    }

    @Override
    public long getCreationTime() {
        checkValid("getCreationTime");
        return active.createdAt();
    }

    @Override
    public String getId() {
        return active.id();
    }

    @Override
    public long getLastAccessedTime() {
        checkValid("getLastAccessedTime");
        return active.lastAccessedAt();
    }

    @Override
    public ServletContext getServletContext() {
        return servletContext;
    }

    @Override
    public void setMaxInactiveInterval(int interval) {
        active.setMaxInactiveSeconds(interval);
    }

    @Override
    public int getMaxInactiveInterval() {
        return active.maxInactiveSeconds();
    }

    @Override
    public Object getAttribute(String name) {
        checkValid("getAttribute");
        return name == null ? null : active.getAttribute(name);
    }

    @Override
    public Enumeration<String> getAttributeNames() {
        checkValid("getAttributeNames");
        return Collections.enumeration(active.attributeNames());
    }

    @Override
    public void setAttribute(String name, Object value) {
        checkValid("setAttribute");
        if (name == null) throw new IllegalArgumentException("Session attribute name must not be null");
        if (value == null) {
            removeAttribute(name);
            return;
        }
        boolean existed = active.hasAttribute(name);
        Object old = active.setAttribute(name, value);
        if (value != old && value instanceof HttpSessionBindingListener) {
            ((HttpSessionBindingListener) value).valueBound(new HttpSessionBindingEvent(this, name, value));
        }
        if (old != value && old instanceof HttpSessionBindingListener) {
            ((HttpSessionBindingListener) old).valueUnbound(new HttpSessionBindingEvent(this, name, old));
        }
        if (existed) {
            listeners.attributeReplaced(this, name, old);
        } else {
            listeners.attributeAdded(this, name, value);
        }
    }

    @Override
    public void removeAttribute(String name) {
        checkValid("removeAttribute");
        if (name != null) removeWithEvents(name);
    }

    private void removeWithEvents(String name) {
        if (!active.hasAttribute(name)) return;
        Object old = active.removeAttribute(name);
        if (old instanceof HttpSessionBindingListener) {
            ((HttpSessionBindingListener) old).valueUnbound(new HttpSessionBindingEvent(this, name, old));
        }
        listeners.attributeRemoved(this, name, old);
    }

    @Override
    public void invalidate() {
        checkValid("invalidate");
        synchronized (this) {
            if (invalidating) throw new IllegalStateException("invalidate: session is already being invalidated");
            invalidating = true;
        }
        // Remove first, atomically: of two requests invalidating the same session at once, only the one that
        // removed it fires the events (from its own copy, so attributes stay readable in sessionDestroyed).
        boolean ended;
        try {
            ended = engine.delete(active);
        } catch (dev.unisession.store.StoreUnavailableException e) {
            // The logout did not happen: the session stays valid, and the request is answered 503, not success.
            invalidating = false;
            RequestSession r = request;
            if (r != null) throw r.failed("delete", active.id(), e);
            runtime.storeUnavailable("delete", active.id(), e, null);
            throw e;
        }
        if (ended) {
            runtime.audit(
                    dev.unisession.security.AuditEvent.Type.INVALIDATED, active.id(), active.principal(), null, null);
            destroy();
        } else {
            valid = false;
        }
    }

    /** Fires the end-of-life events for a session the store has already given up (expiry). */
    void expired() {
        invalidating = true;
        destroy();
    }

    private void destroy() {
        try {
            listeners.sessionDestroyed(this);
            for (String name : active.attributeNames()) {
                removeWithEvents(name);
            }
        } finally {
            valid = false;
        }
    }

    @Override
    public boolean isNew() {
        checkValid("isNew");
        return active.isNew();
    }

    @Override
    public String toString() {
        return "UnifiedHttpSession[" + active.id() + (valid ? "" : ", invalid") + ']';
    }
}
