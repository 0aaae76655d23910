package dev.unisession.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class DaemonSchedulerTest {

    /** Tomcat checks for the application's threads as soon as destroy returns: stop must leave no thread behind. */
    @Test
    void stopReturnsOnlyOnceTheThreadHasEnded() throws Exception {
        for (int i = 0; i < 300; i++) {
            boolean now = i % 2 == 0;
            DaemonScheduler s = new DaemonScheduler("unisession-test");
            AtomicReference<Thread> worker = new AtomicReference<>();
            CountDownLatch ran = new CountDownLatch(1);
            s.scheduleWithFixedDelay(
                    () -> {
                        worker.set(Thread.currentThread());
                        ran.countDown();
                    },
                    0,
                    1,
                    TimeUnit.MILLISECONDS);
            assertTrue(ran.await(5, TimeUnit.SECONDS));
            assertEquals("unisession-test", worker.get().getName());
            assertTrue(worker.get().isDaemon());
            assertTrue(s.stop(now, 5_000), "stop reports the thread ended (round " + i + ")");
            assertFalse(worker.get().isAlive(), "the scheduler's thread after stop (round " + i + ")");
        }
    }
}
