package dev.unisession.store;

import java.util.Arrays;

/**
 * Thread-locals that a store's library leaves on the container's threads, released by the filter when a request (or
 * its own start and stop) leaves the thread, so that none outlives an undeployed application (unisession-redis
 * registers Netty's). Nothing is registered, and a release costs one volatile read, while no such store is open.
 */
public final class LibraryThreadLocals {

    private static volatile Runnable[] releases = new Runnable[0];

    private LibraryThreadLocals() {}

    /** Registers {@code release} (once: the same instance again is ignored) to run on every {@link #release()}. */
    public static synchronized void onRelease(Runnable release) {
        Runnable[] now = releases;
        for (Runnable r : now) {
            if (r == release) return;
        }
        Runnable[] more = Arrays.copyOf(now, now.length + 1);
        more[now.length] = release;
        releases = more;
    }

    /** Runs the registered releases on the calling thread (a container thread, never a library's own). */
    public static void release() {
        for (Runnable r : releases) r.run();
    }
}
