package dev.unisession.store.redis;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A factory of daemon threads named {@code name-N} that remembers them, so that whoever stops their pool can wait
 * until they have ended: a pool reports termination just before its last worker returns, and a container that looks
 * for the application's threads right after the filter's {@code destroy} (Tomcat's undeploy check) sees that worker
 * still alive. Each thread's context class loader is the library's own, never the one of the request thread that
 * happened to need it (with the jar in the server's lib, that would keep an application's loader alive).
 */
final class JoinedThreads implements ThreadFactory {
    private final String name;
    private final AtomicInteger count = new AtomicInteger();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();

    JoinedThreads(String name) {
        this.name = name;
    }

    @Override
    public Thread newThread(Runnable r) {
        // Kept until joined: a thread that took itself out on its way out could still be alive when looked for.
        Thread t = new Thread(r, name + "-" + count.incrementAndGet());
        t.setDaemon(true);
        t.setContextClassLoader(JoinedThreads.class.getClassLoader());
        threads.add(t);
        return t;
    }

    /** Waits at most {@code millis} in all for every thread made here to end; returns whether they all have. */
    boolean join(long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        try {
            for (Thread t : threads) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left > 0) t.join(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        threads.removeIf(t -> !t.isAlive());
        return threads.isEmpty();
    }
}
