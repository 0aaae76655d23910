package dev.unisession.store.jpa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.testing.TestJpaStores;
import dev.unisession.testing.TestStores;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How long a request waits on a node of the tiered store's cluster ({@link ClusterMode}) around a return to the
 * cache tier, with the cache tier's answers scripted (no Redis): found by reliability scenario 9 (Redis flapping),
 * where one node answered 503 to requests that should have waited.
 */
class ClusterModeWaitTest {

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    }

    /** A cache tier whose answers the test sets, and whose barrier work towards CACHE takes {@code drainMillis}. */
    private static final class Scripted implements ModeParticipant {
        volatile Boolean answers = Boolean.TRUE;
        volatile long drainMillis;

        @Override
        public Boolean cacheAnswers() {
            return answers;
        }

        @Override
        public boolean cacheLostData() {
            return false;
        }

        @Override
        public void drain(ClusterMode.State to) {
            if (to != ClusterMode.State.CACHE || drainMillis == 0) return;
            try {
                Thread.sleep(drainMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void opening(long epoch) {}

        @Override
        public void entered(ClusterMode.State state, long epoch) {}
    }

    private JpaStore database() {
        JpaStore db = TestJpaStores.jpa(TestStores.h2Url(), 0, Clock.systemUTC());
        open.add(db);
        return db;
    }

    private ClusterMode node(JpaStore db, String cluster, Scripted cache, Duration switchWait) {
        ClusterMode m = new ClusterMode(
                db,
                cluster,
                cache,
                new ClusterMode.Settings(
                        Duration.ofSeconds(5), Duration.ofMillis(200), Duration.ofMillis(300), switchWait),
                true);
        open.add(m);
        m.start();
        return m;
    }

    private static void await(BooleanSupplier condition, String what) {
        ClusterModeTest.await(condition, () -> what);
    }

    private static long in(long millis) {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    }

    /**
     * A request arriving while its node goes back to the cache tier (the barrier's work takes longer than the
     * request's deadline) waits until the node serves again: a return is no failure. It was answered 503 once its
     * deadline passed.
     */
    @Test
    void aRequestWaitsThroughAReturnToTheCacheTierBeyondItsDeadline() throws Exception {
        Scripted cache = new Scripted();
        ClusterMode n = node(database(), ClusterModeTest.cluster(), cache, Duration.ofSeconds(1));
        await(() -> n.serving() == ClusterMode.State.CACHE, "the node serves from the cache tier");
        cache.answers = Boolean.FALSE;
        await(() -> n.serving() == ClusterMode.State.DATABASE, "the node serves from the database");
        cache.drainMillis = 1_000;
        cache.answers = Boolean.TRUE;
        await(() -> n.serving() == null && n.seen() == ClusterMode.State.TO_CACHE, "the return's barrier");
        ClusterMode.State s = n.enter(in(100));
        n.exit(s);
        assertEquals(ClusterMode.State.CACHE, s, "the request ran in the cache tier once the node returned");
    }

    /**
     * A node that saw the cache tier gone while the cluster was in the database, then followed the others back to
     * it (their answers decided the return): a request there that finds the cache tier gone waits for the switch
     * to the database that the whole cluster then makes. The node's sighting from before the return once counted
     * as the start of its wait, which had then long run out: the request failed at once.
     */
    @Test
    void aRequestFindingTheCacheTierGoneRightAfterAReturnWaitsForTheSwitch() throws Exception {
        JpaStore db = database();
        String cluster = ClusterModeTest.cluster();
        Duration switchWait = Duration.ofSeconds(3);
        Scripted c1 = new Scripted();
        Scripted c2 = new Scripted();
        Scripted c3 = new Scripted();
        ClusterMode n1 = node(db, cluster, c1, switchWait);
        ClusterMode n2 = node(db, cluster, c2, switchWait);
        ClusterMode n3 = node(db, cluster, c3, switchWait);
        List<ClusterMode> all = List.of(n1, n2, n3);
        await(() -> all.stream().allMatch(m -> m.serving() == ClusterMode.State.CACHE), "all serve from the cache");
        c1.answers = c2.answers = c3.answers = Boolean.FALSE;
        await(() -> all.stream().allMatch(m -> m.serving() == ClusterMode.State.DATABASE), "all in the database");
        long epoch = n1.servingEpoch();
        // Every node sees the cache tier gone for longer than a request may wait for a switch; then n2 and n3 see
        // it again and take the cluster back, while n1 still sees it gone.
        Thread.sleep(switchWait.toMillis() + 500);
        c2.answers = c3.answers = Boolean.TRUE;
        await(() -> n1.serving() == ClusterMode.State.CACHE && n1.servingEpoch() > epoch, "n1 back in the cache");
        ClusterMode.State s = n1.enter(in(100));
        long cacheEpoch = n1.servingEpoch();
        n1.exit(s);
        assertEquals(ClusterMode.State.CACHE, s);
        // The cache tier is gone for every node now; n1's request found it gone and waits for the switch.
        c2.answers = c3.answers = Boolean.FALSE;
        long t0 = System.nanoTime();
        boolean switched = n1.awaitSwitch(cacheEpoch, in(100));
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(
                switched,
                "the request waited for the switch, which came: waited " + waited + " ms; n1 serves "
                        + n1.serving() + " " + n1.servingEpoch() + ", sees " + n1.seen() + "; n2 " + n2.serving() + " "
                        + n2.servingEpoch() + "; entered " + cacheEpoch);
        await(() -> n1.serving() == ClusterMode.State.DATABASE, "n1 serves from the database");
    }
}
