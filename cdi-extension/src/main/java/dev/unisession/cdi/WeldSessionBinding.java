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
 * <p>Weld keeps its beans in {@code ContextualInstance} wrappers, so {@code org.jboss.weld.**} is allowed in
 * sessions while this module is present. Beans must be serializable, as for any passivating scope.
 */
@Vetoed
public final class WeldSessionBinding implements FilterExtension {

    private static final System.Logger LOG = System.getLogger(WeldSessionBinding.class.getName());

    /** Null until first use; then the Weld session context, or a marker that there is none. */
    private volatile Object context;
    private static final Object NONE = new Object();

    @Override
    public List<String> allowedClasses() {
        return List.of("org.jboss.weld.**");
    }

    private Object sessionContext() {
        Object c = context;
        if (c == null) {
            try {
                Class.forName("org.jboss.weld.context.http.HttpSessionContext", false,
                        WeldSessionBinding.class.getClassLoader());
                c = CDI.current().select(org.jboss.weld.context.http.HttpSessionContext.class).get();
            } catch (ClassNotFoundException | LinkageError | IllegalStateException e) {
                LOG.log(System.Logger.Level.DEBUG, "No Weld here; session-scoped beans are not rebound: {0}",
                        e.toString());
                c = NONE;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "Weld session context not found; session-scoped beans stay in "
                        + "the container session", e);
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
