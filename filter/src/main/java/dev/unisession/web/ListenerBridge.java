package dev.unisession.web;

import dev.unisession.api.SessionEvent;
import dev.unisession.core.ActiveSession;
import dev.unisession.core.SessionEvents;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionAttributeListener;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionIdListener;
import jakarta.servlet.http.HttpSessionListener;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;

/**
 * Delivers session events to the application's own listener instances (web.xml, {@code @WebListener} and
 * programmatic ones) for unified sessions, which the container does not know about.
 *
 * <p>No portable API lists a context's listeners, so this reads the container's own instances on every event:
 * Tomcat's {@code StandardContext} (reached through the facade's private fields), Jetty's
 * {@code ServletContextHandler.getEventListeners()} (reached reflectively, since Jetty hides its classes from
 * webapps), Undertow's (WildFly) {@code Deployment.getApplicationListeners()} and GlassFish's (Payara)
 * {@code StandardContext.getSessionListeners()}/{@code getApplicationEventListeners()}. These are the very instances
 * the container created (web.xml, {@code @WebListener}, {@code addListener}, with their injections done), so an
 * application's listener state stays in one object, and nothing else calls them for unified sessions: the container
 * never sees those. Semantics follow Tomcat's {@code StandardSession}: created in list order, destroyed in reverse
 * order, a listener's exception is logged and does not stop the others.
 */
final class ListenerBridge {

    private static final System.Logger LOG = System.getLogger(ListenerBridge.class.getName());

    private final Supplier<List<Object>> source;
    private final String containerName;
    /** unisession's own listeners (SessionEventListener), told after the application's. */
    private volatile SessionEvents events = new SessionEvents();

    ListenerBridge events(SessionEvents events) {
        this.events = events;
        return this;
    }

    SessionEvents events() {
        return events;
    }

    private void publish(SessionEvent.Type type, HttpSession session, String attribute, String previous) {
        SessionEvents ev = events;
        if (ev.isEmpty()) return;
        String principal = null;
        String context = null;
        if (session instanceof UnifiedHttpSession) {
            ActiveSession a = ((UnifiedHttpSession) session).active();
            principal = a.principal();
            context = a.context();
        }
        ev.publish(type, session.getId(), principal, context, attribute, previous);
    }

    ListenerBridge(String containerName, Supplier<List<Object>> source) {
        this.containerName = containerName;
        this.source = source;
    }

    /** The bridge for this container, or one that delivers nothing (with a warning) if the container is unknown. */
    static ListenerBridge forContext(ServletContext context) {
        ListenerBridge b = tomcat(context);
        if (b == null) b = jetty(context);
        if (b == null) b = undertow(context);
        if (b == null) b = glassfish(context);
        if (b == null) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "unisession cannot find the application''s session listeners on "
                            + "this container ({0}): the application''s HttpSessionListener, HttpSessionAttributeListener and "
                            + "HttpSessionIdListener (and a CDI container''s session listener) will not hear of unified "
                            + "sessions. Supported: Tomcat 10.1/11, Jetty 12, WildFly (Undertow), Payara/GlassFish; "
                            + "elsewhere, register a dev.unisession.api.SessionEventListener instead (see the README)",
                    context.getServerInfo());
            return new ListenerBridge("none", List::of);
        }
        try {
            b.source.get();
        } catch (RuntimeException e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "unisession cannot read session listeners from " + b.containerName
                            + " (" + context.getServerInfo()
                            + "): the application's HttpSession*Listener events will not be "
                            + "delivered; please report this server version",
                    e);
            return new ListenerBridge("none", List::of);
        }
        return b;
    }

    String containerName() {
        return containerName;
    }

    /** Tomcat: lifecycle listeners (HttpSessionListener among them), then event listeners (attribute, id). */
    private static ListenerBridge tomcat(ServletContext context) {
        return catalina(context, "tomcat", "getApplicationLifecycleListeners", "getApplicationEventListeners");
    }

    /**
     * GlassFish's web container (Payara), a Tomcat descendant: the same facade path, but the session listeners are
     * in {@code getSessionListeners()} and the attribute and id listeners in {@code getApplicationEventListeners()}.
     */
    private static ListenerBridge glassfish(ServletContext context) {
        return catalina(context, "glassfish", "getSessionListeners", "getApplicationEventListeners");
    }

    /**
     * A Catalina {@code StandardContext} (the facade's private {@code context}, then the application context's), whose
     * getters each return the listeners as an array (Tomcat) or a list (GlassFish).
     */
    private static ListenerBridge catalina(ServletContext context, String name, String... getters) {
        try {
            Object appContext = field(context.getClass(), "context").get(context);
            Object standardContext = field(appContext.getClass(), "context").get(appContext);
            List<Method> methods = new ArrayList<>();
            for (String g : getters) methods.add(standardContext.getClass().getMethod(g));
            return new ListenerBridge(name, () -> {
                List<Object> all = new ArrayList<>();
                for (Method m : methods) {
                    Object listeners = invoke(m, standardContext);
                    if (listeners instanceof Object[] array) Collections.addAll(all, array);
                    else all.addAll((java.util.Collection<?>) listeners);
                }
                return all;
            });
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static ListenerBridge jetty(ServletContext context) {
        try {
            Object scoped = context.getClass().getMethod("getContext").invoke(context);
            Object handler =
                    scoped.getClass().getMethod("getServletContextHandler").invoke(scoped);
            Method listeners = handler.getClass().getMethod("getEventListeners");
            return new ListenerBridge("jetty", () -> new ArrayList<>((List<?>) invoke(listeners, handler)));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Undertow (WildFly): {@code ServletContextImpl.getDeployment().getApplicationListeners()} holds the
     * {@code ManagedListener}s of every listener in registration order (private {@code allListeners}); each one's
     * public {@code instance()} is the object the container calls. Undertow's own listeners (its websocket
     * {@code JsrWebSocketFilter$LogoutListener} casts every session to its {@code HttpSessionImpl}) serve its own
     * sessions only and are left out; other libraries' listeners (Weld's, Faces') are the application's.
     */
    private static ListenerBridge undertow(ServletContext context) {
        try {
            Object deployment = context.getClass().getMethod("getDeployment").invoke(context);
            Object app =
                    deployment.getClass().getMethod("getApplicationListeners").invoke(deployment);
            Field all = field(app.getClass(), "allListeners");
            return new ListenerBridge("undertow", () -> {
                List<Object> out = new ArrayList<>();
                List<?> managed;
                try {
                    managed = new ArrayList<>((List<?>) all.get(app));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
                for (Object m : managed) {
                    try {
                        Object instance = m.getClass().getMethod("instance").invoke(m);
                        if (instance != null && !instance.getClass().getName().startsWith("io.undertow.")) {
                            out.add(instance);
                        }
                    } catch (ReflectiveOperationException e) {
                        throw new IllegalStateException(e);
                    }
                }
                return out;
            });
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f;
            } catch (NoSuchFieldException e) {
                // look in the superclass
            }
        }
        throw new NoSuchFieldException(name);
    }

    private static Object invoke(Method m, Object target) {
        try {
            return m.invoke(target);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private <T> List<T> listeners(Class<T> type) {
        List<T> out = new ArrayList<>();
        for (Object o : source.get()) {
            if (type.isInstance(o) && !isOurs(o.getClass()) && !out.contains(o)) {
                out.add(type.cast(o));
            }
        }
        return out;
    }

    /** Listeners that ship in this jar serve the container's own sessions and must not hear ours. */
    private static boolean isOurs(Class<?> type) {
        if (type.getClassLoader() != ListenerBridge.class.getClassLoader()) return false;
        java.security.CodeSource mine =
                ListenerBridge.class.getProtectionDomain().getCodeSource();
        java.security.CodeSource theirs = type.getProtectionDomain().getCodeSource();
        return mine != null && theirs != null && java.util.Objects.equals(mine.getLocation(), theirs.getLocation());
    }

    private interface Call<T> {
        void on(T listener);
    }

    private static <T> void each(List<T> listeners, String event, Call<T> call) {
        for (T l : listeners) {
            try {
                call.on(l);
            } catch (RuntimeException e) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "Session listener " + l.getClass().getName() + " failed on " + event,
                        e);
            }
        }
    }

    void sessionCreated(HttpSession session) {
        HttpSessionEvent e = new HttpSessionEvent(session);
        each(listeners(HttpSessionListener.class), "sessionCreated", l -> l.sessionCreated(e));
        publish(SessionEvent.Type.CREATED, session, null, null);
    }

    void sessionDestroyed(HttpSession session) {
        List<HttpSessionListener> ls = listeners(HttpSessionListener.class);
        Collections.reverse(ls);
        HttpSessionEvent e = new HttpSessionEvent(session);
        each(ls, "sessionDestroyed", l -> l.sessionDestroyed(e));
        publish(SessionEvent.Type.DESTROYED, session, null, null);
    }

    void sessionIdChanged(HttpSession session, String oldId) {
        HttpSessionEvent e = new HttpSessionEvent(session);
        each(listeners(HttpSessionIdListener.class), "sessionIdChanged", l -> l.sessionIdChanged(e, oldId));
        publish(SessionEvent.Type.ID_CHANGED, session, null, oldId);
    }

    void attributeAdded(HttpSession session, String name, Object value) {
        HttpSessionBindingEvent e = new HttpSessionBindingEvent(session, name, value);
        each(listeners(HttpSessionAttributeListener.class), "attributeAdded", l -> l.attributeAdded(e));
        publish(SessionEvent.Type.ATTRIBUTE_CHANGED, session, name, null);
    }

    void attributeReplaced(HttpSession session, String name, Object oldValue) {
        HttpSessionBindingEvent e = new HttpSessionBindingEvent(session, name, oldValue);
        each(listeners(HttpSessionAttributeListener.class), "attributeReplaced", l -> l.attributeReplaced(e));
        publish(SessionEvent.Type.ATTRIBUTE_CHANGED, session, name, null);
    }

    void attributeRemoved(HttpSession session, String name, Object oldValue) {
        HttpSessionBindingEvent e = new HttpSessionBindingEvent(session, name, oldValue);
        each(listeners(HttpSessionAttributeListener.class), "attributeRemoved", l -> l.attributeRemoved(e));
        publish(SessionEvent.Type.ATTRIBUTE_CHANGED, session, name, null);
    }
}
