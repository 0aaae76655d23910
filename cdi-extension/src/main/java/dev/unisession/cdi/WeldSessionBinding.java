package dev.unisession.cdi;

import dev.unisession.web.FilterExtension;
import jakarta.enterprise.inject.Vetoed;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;

/**
 * Keeps Weld's {@code @SessionScoped} beans in the unified session. Weld binds its session context to the raw
 * request before any filter runs, and its bean store reaches the session through a thread-local that only the
 * raw request and Weld's own session listener fill; without this, beans would land in the container's native
 * session. Once unisession has wrapped the request, this rebinds the context to the wrapped request and primes
 * the thread-local with the unified session. Weld's listener hears our sessionCreated (the filter's listener
 * bridge calls it synchronously), and Weld's requestDestroyed unbinds as usual.
 *
 * <p>Weld keeps its beans in {@code ContextualInstance} wrappers: exactly the Weld classes that storage needs are
 * allowed in sessions while this module is present ({@link #WELD_STORAGE}), not all of Weld. Beans must be
 * serializable, as for any passivating scope.
 */
@Vetoed
public final class WeldSessionBinding implements FilterExtension {

    private static final System.Logger LOG = System.getLogger(WeldSessionBinding.class.getName());

    /** Null until first use; then the Weld session context, or a marker that there is none. */
    private volatile Object context;

    private static final Object NONE = new Object();

    /**
     * The Weld classes a session holds for {@code @SessionScoped} and {@code @ConversationScoped} beans: the instance
     * wrapper, its creational context (with dependents), the serializable bean reference and its identifier, the
     * bean store's lock map, the conversation and its id generator, and client proxies of normal-scoped beans
     * injected into them. Recorded from the CDI tests (Weld 6 in the sample WAR on Jetty and Tomcat, WildFly's own)
     * with {@code codec.mode=report}, plus the conversation and proxy classes those beans did not use. Weld's
     * interceptor and decorator stacks are not among them (a proxy method handler is a known deserialization gadget);
     * an application whose session beans are intercepted sees the class named in the refusal and may add it to
     * {@code unisession.codec.allow}. Was {@code org.jboss.weld.**}: 1,047 classes (security review, finding 12).
     */
    static final List<String> WELD_STORAGE = List.of(
            "org.jboss.weld.contexts.SerializableContextualInstanceImpl",
            "org.jboss.weld.contexts.CreationalContextImpl",
            "org.jboss.weld.contexts.CreationalContextImpl$SerializationProxy",
            "org.jboss.weld.contexts.SerializableContextualFactory$AbstractSerializableContextual",
            "org.jboss.weld.contexts.SerializableContextualFactory$AbstractSerializableBean",
            "org.jboss.weld.contexts.SerializableContextualFactory$DefaultSerializableContextual",
            "org.jboss.weld.contexts.SerializableContextualFactory$DefaultSerializableBean",
            "org.jboss.weld.contexts.SerializableContextualFactory$PassivationCapableSerializableContextual",
            "org.jboss.weld.contexts.SerializableContextualFactory$PassivationCapableSerializableBean",
            "org.jboss.weld.contexts.SerializableContextualFactory$SerializableContextualHolder",
            "org.jboss.weld.bean.StringBeanIdentifier",
            "org.jboss.weld.bean.ManagedBeanIdentifier",
            "org.jboss.weld.contexts.beanstore.LockStore",
            "org.jboss.weld.contexts.conversation.ConversationImpl",
            "org.jboss.weld.contexts.conversation.ConversationIdGenerator",
            "org.jboss.weld.bean.proxy.util.SerializableClientProxy");

    @Override
    public List<String> allowedClasses() {
        return WELD_STORAGE;
    }

    private Object sessionContext() {
        Object c = context;
        if (c == null) {
            try {
                Class.forName(
                        "org.jboss.weld.context.http.HttpSessionContext",
                        false,
                        WeldSessionBinding.class.getClassLoader());
                c = CDI.current()
                        .select(org.jboss.weld.context.http.HttpSessionContext.class)
                        .get();
            } catch (ClassNotFoundException | LinkageError | IllegalStateException e) {
                LOG.log(
                        System.Logger.Level.DEBUG,
                        "No Weld here; session-scoped beans are not rebound: {0}",
                        e.toString());
                c = NONE;
            } catch (RuntimeException e) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "Weld session context not found; session-scoped beans stay in the container session",
                        e);
                c = NONE;
            }
            context = c;
        }
        return c;
    }

    @Override
    public void requestWrapped(HttpServletRequest original, HttpServletRequest wrapped) {
        Object c = sessionContext();
        if (c == NONE) return;
        org.jboss.weld.context.http.HttpSessionContext ctx = (org.jboss.weld.context.http.HttpSessionContext) c;
        if (!ctx.isActive()) return; // a request Weld does not handle (context mapping), or an async dispatch
        ctx.deactivate();
        ctx.dissociate(original);
        ctx.associate(wrapped);
        ctx.activate();
        org.jboss.weld.module.web.servlet.SessionHolder.requestInitialized(wrapped);
    }
}
