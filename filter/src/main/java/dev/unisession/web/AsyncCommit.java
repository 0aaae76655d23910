package dev.unisession.web;

import dev.unisession.store.LibraryThreadLocals;
import dev.unisession.store.StoreUnavailableException;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;

/** The commit of an async request's session, when its async cycle ends. */
final class AsyncCommit {
    private static final System.Logger LOG = System.getLogger(AsyncCommit.class.getName());

    private AsyncCommit() {}

    /**
     * The async listener that commits the request's session when the async cycle ends (complete, timeout or error)
     * and stays on for a re-started cycle. A proxy, not a class of this jar: an EE server manages every
     * {@code AsyncListener} class it finds in WEB-INF/lib as a component with injection, and WildFly warns for one it
     * cannot build ({@code WFLYEE0007: Not installing optional component ...}); the listener needs no injection.
     */
    static AsyncListener listener(RequestSession state) {
        java.lang.reflect.InvocationHandler handler = (proxy, method, args) -> {
            switch (method.getName()) {
                case "onComplete", "onTimeout", "onError" -> commitAsync(state);
                case "onStartAsync" -> ((AsyncEvent) args[0]).getAsyncContext().addListener((AsyncListener) proxy);
                case "equals" -> {
                    return proxy == args[0];
                }
                case "hashCode" -> {
                    return System.identityHashCode(proxy);
                }
                case "toString" -> {
                    return "unisession commit on async completion";
                }
                default -> {
                    // no other methods
                }
            }
            return null;
        };
        return (AsyncListener) java.lang.reflect.Proxy.newProxyInstance(
                AsyncCommit.class.getClassLoader(), new Class<?>[] {AsyncListener.class}, handler);
    }

    /** Async completion: the response is on its way; a failed save is counted and audited by the state. */
    private static void commitAsync(RequestSession state) {
        try {
            state.commit();
        } catch (StoreUnavailableException e) {
            LOG.log(
                    System.Logger.Level.ERROR,
                    "Session changes of an async request could not be saved: {0}",
                    e.getMessage());
        } finally {
            LibraryThreadLocals.release();
        }
    }
}
