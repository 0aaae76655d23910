package dev.unisession.store;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A scheduler with one daemon thread of the given name, and a {@link #stop} that returns only once that thread has
 * ended. An executor reports termination just before its worker thread exits; a container that checks for the
 * application's threads right after the filter's {@code destroy} (Tomcat's undeploy check) can see the thread alive
 * in that gap, so stopping also joins the thread.
 */
public final class DaemonScheduler extends ScheduledThreadPoolExecutor {
    private static final System.Logger LOG = System.getLogger(DaemonScheduler.class.getName());

    private volatile Thread thread;

    public DaemonScheduler(String name) {
        super(1);
        setThreadFactory(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            thread = t;
            return t;
        });
    }

    /**
     * Stops the scheduler ({@code now}: interrupts the task under way and drops the waiting ones; otherwise lets
     * them finish) and waits at most {@code millis} for the task under way and then as long again for the thread to
     * end. Returns whether the thread has ended.
     */
    public boolean stop(boolean now, long millis) {
        if (now) shutdownNow();
        else shutdown();
        Thread t = thread;
        try {
            if (!awaitTermination(millis, TimeUnit.MILLISECONDS)) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "{0} did not stop within {1} ms",
                        t == null ? "?" : t.getName(),
                        millis);
            }
            if (t != null) t.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return t == null || !t.isAlive();
    }
}
