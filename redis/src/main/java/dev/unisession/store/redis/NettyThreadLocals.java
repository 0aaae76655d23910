package dev.unisession.store.redis;

import dev.unisession.store.LibraryThreadLocals;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * Keeps Netty's thread-locals off the container's threads. Redisson is called from request threads, and Netty
 * then leaves an {@code InternalThreadLocalMap} (holding this copy of Netty's classes, hence the application's class
 * loader) in a plain ThreadLocal of each thread, where it would outlive an undeployed application. Once a Redis
 * client exists, the filter's {@link LibraryThreadLocals#release()} (when a request, or its own start and stop,
 * leaves the thread) removes them. Netty is not even loaded while no Redis client has been created by this copy of
 * the library.
 */
final class NettyThreadLocals {

    private static final Runnable RELEASE = FastThreadLocal::removeAll;

    private NettyThreadLocals() {}

    /** A Redis client exists: request threads may now carry Netty's thread-locals. */
    static void inUse() {
        LibraryThreadLocals.onRelease(RELEASE);
    }
}
