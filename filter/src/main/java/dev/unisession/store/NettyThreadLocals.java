package dev.unisession.store;

import io.netty.util.concurrent.FastThreadLocal;

/**
 * Keeps Netty's thread-locals off the container's threads. Redisson is called from request threads, and Netty
 * then leaves an {@code InternalThreadLocalMap} (holding this copy of Netty's classes, hence the application's class
 * loader) in a plain ThreadLocal of each thread, where it would outlive an undeployed application. The filter calls
 * {@link #release()} when a request (or its own start and stop) leaves the thread. Nothing is done, and Netty is not
 * even loaded, while no Redis client has been created by this copy of the library.
 */
public final class NettyThreadLocals {

    private static volatile boolean inUse;

    private NettyThreadLocals() {}

    /** A Redis client exists: request threads may now carry Netty's thread-locals. */
    static void inUse() {
        inUse = true;
    }

    /** Removes this copy of Netty's thread-locals from the calling thread (a container thread, never Netty's). */
    public static void release() {
        if (inUse) FastThreadLocal.removeAll();
    }
}
