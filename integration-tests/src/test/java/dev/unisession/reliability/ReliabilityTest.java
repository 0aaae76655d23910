package dev.unisession.reliability;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.testing.PrivateRedis;
import dev.unisession.testing.TcpProxy;
import dev.unisession.testing.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Sample-webapp nodes as separate JVMs behind a non-sticky round-robin client, on a Redis and a PostgreSQL
 * database of the test's own (store=tiered): a node killed under load, a rolling restart, Redis restarted empty
 * with every node restarted, invalidation racing writes across nodes, Redis killed for every node under load (the
 * cluster serves from the database and comes back), one node cut off from Redis alone (it fails, the cluster
 * does not switch), Redis flapping under load (the return hysteresis bounds the switches, and the cluster comes
 * back), and a node killed in the barrier of a switch (the switch completes once its lease lapses). Each scenario
 * prints its figures and adds a row to integration-tests/reliability.md. Run by the {@code reliability} profile
 * (and by the README's test command, so by CI).
 *
 * <ol>
 * <li>kill -9 of one of 2 nodes under load;</li>
 * <li>rolling restart of 3 nodes under load;</li>
 * <li>Redis Cluster: a master killed under load;</li>
 * <li>Redis Sentinel: the master killed under load;</li>
 * <li>Redis restarted empty, every node restarted: the sessions come back from the database;</li>
 * <li>invalidation racing a write on another node, 1,000 rounds;</li>
 * <li>Redis killed for both nodes under load, started empty 20 s later;</li>
 * <li>one of 3 nodes cut off from Redis (TCP proxy) under load;</li>
 * <li>Redis flapping (killed, started empty) every 1-3 s for 60 s under load on 3 nodes
 *     ({@code -Dit.unisession.flapSeconds}, {@code -Dit.unisession.flapSeed});</li>
 * <li>kill -9 of one of 3 nodes in the barrier of the switch to the database.</li>
 * </ol>
 *
 * <p>Every scenario fails unless its disruption demonstrably happened (see each one), and unless no session and no
 * acknowledged item was lost, no cart page was stale, and no request failed beyond the kinds the scenario allows
 * by design ({@link Figures#allow}): only the node scenarios (1, 2, 10) allow a down node not to answer, and only
 * the rolling restart (2) allows a stopping node's 503; a store's 503 with {@code Retry-After} is allowed only from
 * the node cut off from Redis in scenario 8, and from no other node in any scenario. The one loss allowed is the
 * one docs/tiered.md states for a node killed in the barrier (scenario 10): items that node acknowledged and had
 * not yet written behind when it died, and the stale cart pages that lack exactly those; the scenario checks each
 * missing item against that statement.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReliabilityTest {

    private static final int CLIENTS = 32;
    /** Every node's {@code jpa.flush-interval}: how often its write-behind queue is written to the database. */
    private static final long FLUSH_INTERVAL_MILLIS = 200;

    private final List<Figures> report = new ArrayList<>();
    private final List<AutoCloseable> started = new ArrayList<>();
    /** Every port a process this test started listens on: none may still be served once the test is over. */
    private final java.util.Set<Integer> ports = new java.util.TreeSet<>();

    private final String keys;

    ReliabilityTest() {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        keys = "k1:" + Base64.getEncoder().encodeToString(k);
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) started.get(i).close();
        started.clear();
    }

    /** No redis-server and no node this test started is left running (found by its port on the command line). */
    @AfterAll
    void nothingStartedIsLeftRunning() throws Exception {
        List<String> strays = new ArrayList<>();
        for (int port : ports) {
            for (String pattern : List.of(
                    "127\\.0\\.0\\.1:" + port + "( |$)",
                    "--port " + port + "( |$)",
                    java.util.regex.Pattern.quote(Node.MARKER + port) + "( |$)")) {
                Process p = new ProcessBuilder("pgrep", "-a", "-f", "--", pattern)
                        .redirectErrorStream(true)
                        .start();
                String out = new String(p.getInputStream().readAllBytes()).trim();
                p.waitFor();
                for (String line : out.lines().toList()) {
                    if (!line.isBlank() && !line.contains("pgrep")) strays.add(line);
                }
            }
        }
        assertTrue(ports.size() > 0, "the test recorded the ports it used");
        assertEquals(List.of(), strays, "processes the reliability test started are still running");
    }

    @AfterAll
    void writeReport() throws Exception {
        List<String> lines = new ArrayList<>(List.of(
                "# Reliability figures",
                "",
                "Written by `mvn -P reliability verify` (integration-tests, `ReliabilityTest`; `.ci/run` runs it): "
                        + "sample-webapp nodes as separate JVMs, store=tiered on Redis servers and a PostgreSQL "
                        + "database of the test's own, " + CLIENTS + " non-sticky clients adding to and reading "
                        + "their carts. Sessions lost = sessions that sent their user to log in, during the load or "
                        + "at the end; items lost = acknowledged adds missing from a cart at the end; stale reads = "
                        + "cart pages during the load that lacked an add acknowledged before they were asked for; "
                        + "switches to the database (per node) and Redis errors = what the nodes logged and counted (how the failure "
                        + "was observed). The test fails unless its disruption happened and sessions lost, items "
                        + "lost, stale reads and responses >= 500 are all 0 (scenario 10: items lost and stale reads only "
                        + "as docs/tiered.md states for a node killed in the barrier: items that node acknowledged "
                        + "and had not yet written behind, each checked); the only failures allowed are a killed or "
                        + "restarting node not answering (`unreachable`, scenarios 1, 2 and 10), a stopping node's "
                        + "503 before the application ran (`503 draining`, scenario 2) and the store's 503 from the "
                        + "one node cut off from Redis (`503 store unavailable on the cut-off node`, scenario 8), "
                        + "each retried on another node that answered.",
                "",
                "| scenario | requests | failures by status | sessions checked | sessions lost | items lost | p99 ms "
                        + "| stale reads | switches to the database | Redis errors | notes |",
                "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"));
        for (Figures f : report) lines.add(f.row());
        Files.write(Path.of(System.getProperty("it.unisession.reliabilityReport", "reliability.md")), lines);
    }

    /**
     * Nodes of the sample on an own database and a Redis of the test's own: a single private redis-server, or the
     * given topology (cluster, sentinel) reached through a Redisson YAML file.
     */
    private final class Cluster {
        final PrivateRedis redis;
        final TestDatabase db = TestDatabase.create(TestDatabase.Kind.POSTGRES);
        final List<Node> nodes = new ArrayList<>();

        Cluster(int n) throws Exception {
            this(n, null);
        }

        Cluster(int n, RedisTopology topology) throws Exception {
            this(n, topology, List.of(), null);
        }

        /**
         * @param extra      settings every node gets besides the usual ones
         * @param redisUrlOf the Redis URL node {@code i} (0-based) reaches the private Redis by instead of its own
         *                   (a proxy in front of it), or null for its own; whatever it starts it adds to
         *                   {@code started} and {@code ports} itself. Null: every node reaches the Redis directly.
         */
        Cluster(
                int n,
                RedisTopology topology,
                List<String> extra,
                java.util.function.BiFunction<Integer, PrivateRedis, String> redisUrlOf)
                throws Exception {
            started.add(db);
            if (topology == null) {
                redis = new PrivateRedis();
                started.add(redis);
                ports.add(redis.port());
            } else {
                redis = null;
            }
            for (int i = 0; i < n; i++) {
                String redisSetting;
                if (topology != null) {
                    redisSetting = "-Dunisession.redis.config=" + topology.redissonYaml();
                } else {
                    String url = redisUrlOf == null ? null : redisUrlOf.apply(i, redis);
                    redisSetting = "-Dunisession.redis.url=" + (url == null ? redis.url() : url);
                }
                List<String> settings = new ArrayList<>(List.of(
                        "-Dunisession.store=tiered",
                        redisSetting,
                        "-Dunisession.jpa.url=" + db.url(),
                        "-Dunisession.jpa.user=" + db.user(),
                        "-Dunisession.jpa.flush-interval=" + FLUSH_INTERVAL_MILLIS + "ms",
                        "-Dunisession.tiered.return-after=1s",
                        "-Dunisession.token.keys=" + keys,
                        "-Dunisession.cookie.secure=false"));
                settings.addAll(extra);
                Node node = new Node(
                        "n" + (i + 1),
                        Map.of("DATA_DIR", Files.createTempDirectory("node").toString()),
                        settings);
                nodes.add(node);
                started.add(node);
                ports.add(node.port);
            }
            ExecutorService pool = Executors.newFixedThreadPool(n);
            try {
                List<Future<Node>> up = new ArrayList<>();
                for (Node node : nodes) up.add(pool.submit(node::start));
                for (Future<Node> f : up) f.get();
            } finally {
                pool.shutdown();
            }
        }

        /** Switches to the database the nodes logged, and Redis call errors they counted, so far. */
        String observedFailures(Figures f) {
            long opened = 0;
            long errors = 0;
            for (Node n : nodes) {
                opened += n.logCount("this node serves from the database tier");
                if (!n.alive()) continue;
                Shopper.Call ops = new Shopper("ops").send(java.net.http.HttpRequest.newBuilder(n.uri("/ops")));
                java.util.regex.Matcher m =
                        java.util.regex.Pattern.compile("redis\\.[a-z]+=(\\d+)").matcher(ops.body());
                while (m.find()) errors += Long.parseLong(m.group(1));
            }
            f.databaseSwitches += opened;
            f.redisErrors += errors;
            return "switched to the database " + opened + "x, " + errors + " Redis call errors";
        }

        /** The node a round-robin balancer that does not know which nodes are up sends request {@code i} to. */
        Node any(int i) {
            return nodes.get(Math.floorMod(i, nodes.size()));
        }

        /** The next live node after {@code i}, round robin. */
        Node pick(int i) {
            for (int k = 0; k < nodes.size(); k++) {
                Node n = nodes.get(Math.floorMod(i + k, nodes.size()));
                if (n.alive()) return n;
            }
            throw new IllegalStateException("no live node");
        }
    }

    private static List<Shopper> loggedIn(Cluster c, Figures f, String tag) {
        List<Shopper> out = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            Shopper s = new Shopper(tag + i);
            Shopper.Call call = s.login(c.pick(i));
            f.count(call);
            assertTrue(s.hasCookie(), "logged in: " + call.status() + " " + call.body());
            out.add(s);
        }
        return out;
    }

    /**
     * Each shopper adds and checks its cart on the nodes in turn until stopped. A cart page missing an acknowledged
     * item is a stale read; a page sending the shopper to log in is a session lost (and ends that shopper's load).
     */
    private static void load(Cluster c, List<Shopper> shoppers, Figures f, AtomicBoolean stop) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(shoppers.size());
        AtomicInteger turn = new AtomicInteger();
        List<Future<?>> done = new ArrayList<>();
        for (Shopper s : shoppers) {
            done.add(pool.submit(() -> {
                int k = 0;
                while (!stop.get()) {
                    boolean write = k++ % 3 == 0;
                    Shopper.Call call = null;
                    // Non-sticky round robin that retries a request a node did not answer (down, or 503) on the
                    // next node, as balancers do: each attempt goes to a different node.
                    int first = turn.getAndIncrement();
                    for (int attempt = 0; attempt < c.nodes.size(); attempt++) {
                        Node on = c.any(first + attempt);
                        boolean abandonedBefore = s.abandoned > 0;
                        call = write ? s.add(on) : s.cart(on);
                        f.count(call, abandonedBefore);
                        if (call.reached()) break;
                    }
                    if (!call.reached()) {
                        f.unanswered(call);
                        Thread.sleep(50);
                        continue;
                    }
                    if (call.toLogin()) {
                        f.sessionVanished(s, (write ? "add" : "cart") + " on " + call.node() + " sent it to log in");
                        return null;
                    }
                    if (!write) {
                        int items = Shopper.items(call);
                        if (items >= 0 && items < s.acknowledged) {
                            f.staleRead(
                                    s.user + " saw " + items + " of " + s.acknowledged + " on " + call.node(),
                                    call.sentAt());
                            s.staleReads.add(new Shopper.Ack(
                                    call.node(),
                                    call.sentAt(),
                                    call.sentAt() + call.micros() * 1000,
                                    s.acknowledged - items));
                        }
                    }
                }
                return null;
            }));
        }
        pool.shutdown();
        // The load lasts as long as the disruption (each of its steps is bounded: a node start by 120 s); only then
        // does each shopper get a bounded time to finish its request under way. A fixed bound from the start failed
        // under a load average of 40, where three node restarts took longer than it.
        while (!stop.get()) Thread.sleep(100);
        for (Future<?> d : done) d.get(2, TimeUnit.MINUTES);
    }

    /** Every shopper's cart, read once on a live node: logged in, with every acknowledged item. */
    private static void verify(Cluster c, List<Shopper> shoppers, Figures f) {
        int i = 0;
        for (Shopper s : shoppers) {
            Shopper.Call call = s.cart(c.pick(i++));
            f.count(call);
            f.sessionsChecked++;
            int items = Shopper.items(call);
            s.itemsAtEnd = items;
            if (items == -1) {
                if (!s.lost) f.sessionsLost++; // a session already lost during the load is counted once
                s.lost = true;
            } else if (items < s.acknowledged) {
                f.itemsLost += s.acknowledged - Math.max(0, items);
            }
        }
    }

    /** What a scenario does to the system while the load runs (the load stops when it returns). */
    private interface Disruption {
        void run() throws Exception;
    }

    /**
     * Runs the shoppers' load while the disruption runs in a thread of its own, then checks every cart once and
     * notes how the nodes saw the failure.
     * @return what the disruption threw (it did not happen as planned; the scenario fails on it), or null
     */
    private static Throwable underLoad(Cluster c, List<Shopper> shoppers, Figures f, Disruption disruption)
            throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                disruption.run();
            } catch (Throwable e) {
                failed.set(e);
                f.note("disruption failed: " + e);
            } finally {
                stop.set(true);
            }
        });
        t.start();
        load(c, shoppers, f, stop);
        t.join();
        verify(c, shoppers, f);
        f.note(c.observedFailures(f));
        return failed.get();
    }

    /**
     * What every scenario must show, whatever its disruption: no session lost (during the load or at the end), no
     * acknowledged item lost, no stale cart page, no failure beyond those the scenario allows (so no response
     * >= 500, no live node failing to answer, no 4xx), and no operation that no node answered (an allowed failure
     * was retried on another node, which answered).
     */
    private static void assertNothingLost(Figures f) {
        assertAll(
                f.scenario,
                () -> assertEquals(
                        0, f.sessionsLost, "sessions lost (sent to log in during the load or at the end): " + f),
                () -> assertEquals(0, f.itemsLost, "acknowledged items missing at the end: " + f),
                () -> assertEquals(0, f.staleReads, "stale reads (a cart page without an acknowledged item): " + f),
                () -> assertEquals(
                        Map.of(),
                        f.unexpectedFailures(),
                        "failures beyond those the scenario allows (" + f.allowed() + "): " + f),
                () -> assertEquals(0, f.serverErrors, "responses >= 500 or none from a live node: " + f),
                () -> assertEquals(0, f.unanswered, "operations no node answered: " + f));
    }

    /** The disruption ran to its end: it threw nothing (a failover that did not happen, a node that did not start). */
    private static void assertDisruptionRan(Throwable failed, Figures f) {
        if (failed != null)
            throw new AssertionError("the disruption did not happen as planned: " + failed + "; " + f, failed);
    }

    private void finish(Figures f) {
        System.out.println(f);
        report.add(f);
    }

    /** As {@link #finish(Figures)}, noting first where each node serves from and (unless -1) Redis's sessions. */
    private void finish(Figures f, Cluster c, long redisSessionsAtEnd) {
        List<String> served = new ArrayList<>();
        for (Node n : c.nodes) served.add(servedFrom(n));
        f.note("served from (tier epoch) " + String.join("; ", served));
        if (redisSessionsAtEnd >= 0) f.note("Redis holds " + redisSessionsAtEnd + " sessions at the end");
        // Why a node answered 503 (its store's reason), for a failure seen only in CI's output.
        for (Node n : c.nodes) {
            List<String> unavailable = n.logLinesInContext("Session store unavailable", 3);
            if (!unavailable.isEmpty()) f.note(n.name + " logged: " + String.join(" // ", unavailable));
        }
        finish(f);
    }

    /** Why scenarios that take nodes down let a down node fail to answer. */
    private static final String DOWN_NODE_RETRIED = "a node that is down refuses the connection (or drops it when "
            + "killed mid-request); the balancer sends the request to the next node, and an unanswered operation "
            + "still fails the scenario";

    @Test
    @Order(1)
    void killNineOneOfTwoNodesUnderLoad() throws Exception {
        Figures f = new Figures("1. kill -9 one of 2 nodes under " + CLIENTS + "-client load")
                .allow(Figures.UNREACHABLE, DOWN_NODE_RETRIED);
        Cluster c = new Cluster(2);
        List<Shopper> shoppers = loggedIn(c, f, "k");
        AtomicInteger exit = new AtomicInteger(-1);
        Throwable failed = underLoad(c, shoppers, f, () -> {
            Thread.sleep(4_000);
            exit.set(c.nodes.get(0).kill());
            f.note("n1 killed, exit " + exit.get());
            Thread.sleep(8_000);
        });
        finish(f);
        assertDisruptionRan(failed, f);
        assertEquals(137, exit.get(), "n1 died of SIGKILL (exit 137): " + f);
        assertTrue(!c.nodes.get(0).alive() && c.nodes.get(1).alive(), "n1 is dead and n2 alive: " + f);
        assertTrue(f.failures(Figures.UNREACHABLE) > 0, "clients saw the dead node: " + f);
        assertNothingLost(f);
    }

    @Test
    @Order(2)
    void rollingRestartOfThreeNodesUnderLoad() throws Exception {
        Figures f = new Figures("2. rolling restart of 3 nodes under load")
                .allow(Figures.UNREACHABLE, DOWN_NODE_RETRIED)
                .allow(
                        Figures.DRAINING,
                        "SIGTERM makes the stopping node's GracefulHandler answer late requests 503 "
                                + "(without Retry-After) before the application runs, so nothing of the session is read or "
                                + "changed; the balancer sends them to the next node")
                .allow(
                        Figures.LATE_DUPLICATE,
                        "a request the shopper gave up on (its node was stopping or starting) "
                                + "ran late there and changed the cart between this request's read and its write: this one's "
                                + "change is refused rather than stored over the other's (nothing lost; not acknowledged)");
        Cluster c = new Cluster(3);
        List<Shopper> shoppers = loggedIn(c, f, "r");
        List<String> restarted = java.util.Collections.synchronizedList(new ArrayList<>());
        Throwable failed = underLoad(c, shoppers, f, () -> {
            for (Node n : c.nodes) {
                Thread.sleep(1_500);
                long before = n.pid();
                int exit = n.stop();
                n.start();
                long after = n.pid();
                // A node restarted when its JVM ended on SIGTERM (143, not killed after the stop timeout) and a new
                // JVM answers on its port.
                if (exit != 143) throw new IllegalStateException(n.name + " did not end on SIGTERM: exit " + exit);
                if (before == after || !n.alive()) {
                    throw new IllegalStateException(n.name + " was not restarted: pid " + before + " -> " + after);
                }
                restarted.add(n.name + " pid " + before + "->" + after);
            }
            Thread.sleep(1_500);
        });
        f.note(restarted.size() + " nodes restarted (" + String.join(", ", restarted) + ")");
        finish(f);
        assertDisruptionRan(failed, f);
        assertEquals(3, restarted.size(), "every node was restarted: " + f);
        assertTrue(f.failures(Figures.UNREACHABLE) > 0, "clients saw the nodes go down: " + f);
        assertNothingLost(f);
    }

    @Test
    @Order(3)
    void redisClusterMasterKilledUnderLoad() throws Exception {
        failoverUnderLoad(
                new Figures("3. Redis Cluster 3 masters + 3 replicas: a master killed under load"),
                RedisTopology.cluster(3),
                "c");
    }

    @Test
    @Order(4)
    void redisSentinelMasterKilledUnderLoad() throws Exception {
        failoverUnderLoad(
                new Figures("4. Redis Sentinel (master, replica, 3 sentinels): the master killed under load"),
                RedisTopology.sentinel(),
                "s");
    }

    /**
     * Two nodes on the topology under load; one Redis master holding sessions is killed (SIGKILL) and its replica
     * takes over. Sessions stay readable throughout (a request whose Redis call fails is served by the database),
     * every acknowledged item is there afterwards, and the nodes saw the failure (switches to the database or Redis call
     * errors). No failure of any kind is allowed: the nodes stay up, and the database serves while Redis fails over,
     * so neither a 503 (with or without Retry-After) nor any other response >= 500 is expected.
     */
    private void failoverUnderLoad(Figures f, RedisTopology topology, String tag) throws Exception {
        started.add(topology);
        ports.addAll(topology.ports());
        Cluster c = new Cluster(2, topology);
        List<Shopper> shoppers = loggedIn(c, f, tag);
        AtomicInteger killed = new AtomicInteger();
        AtomicInteger exit = new AtomicInteger(-1);
        AtomicInteger promoted = new AtomicInteger();
        AtomicReference<Long> keysHeld = new AtomicReference<>(0L);
        Throwable failed = underLoad(c, shoppers, f, () -> {
            Thread.sleep(4_000);
            int master = topology.master();
            int replica = topology.replicaOf(master);
            long keys = topology.keys(master);
            keysHeld.set(keys);
            exit.set(topology.kill(master));
            killed.set(master);
            long t0 = System.currentTimeMillis();
            int now = topology.awaitFailover(master, replica, 30_000);
            promoted.set(now);
            f.note("master :" + master + " (" + keys + " keys) killed, exit " + exit.get() + "; its replica :" + now
                    + " took over within " + (System.currentTimeMillis() - t0) + " ms");
            Thread.sleep(5_000);
        });
        f.note(f.serverErrors + " responses >= 500");
        finish(f);
        assertDisruptionRan(failed, f);
        assertEquals(137, exit.get(), "the master died of SIGKILL: " + f);
        assertTrue(keysHeld.get() > 0, "the killed master held sessions: " + f);
        assertNotEquals(killed.get(), promoted.get(), "another server is master: " + f);
        assertEquals("master", RedisTopology.role(promoted.get()), "the replica was promoted: " + f);
        assertTrue(f.databaseSwitches + f.redisErrors > 0, "the nodes saw the master die: " + f);
        assertNothingLost(f);
    }

    /** Redis INFO server's run_id, which a restarted redis-server has anew. */
    private static String runId(PrivateRedis redis) {
        Object info = redis.resp().call("INFO", "server");
        String text = info instanceof byte[] b
                ? new String(b, java.nio.charset.StandardCharsets.UTF_8)
                : String.valueOf(info);
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("(?m)^run_id:(\\w+)").matcher(text);
        return m.find() ? m.group(1) : "";
    }

    /**
     * Load, then every node stopped (SIGTERM: the write-behind queue is written to the database), Redis killed and
     * started empty, every node started again: the sessions come back from the database. No failure is allowed: the
     * carts are read only once the nodes are up again.
     */
    @Test
    @Order(5)
    void redisRestartedEmptyAndEveryNodeRestartedSessionsComeBackFromTheDatabase() throws Exception {
        Figures f = new Figures("5. Redis restarted empty, all nodes restarted");
        Cluster c = new Cluster(2);
        List<Shopper> shoppers = loggedIn(c, f, "e");
        AtomicBoolean stop = new AtomicBoolean();
        Thread timer = new Thread(() -> {
            try {
                Thread.sleep(4_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stop.set(true);
        });
        timer.start();
        load(c, shoppers, f, stop);
        List<Long> pidsBefore = new ArrayList<>();
        for (Node n : c.nodes) {
            pidsBefore.add(n.pid());
            assertEquals(143, n.stop(), n.name + " ended on SIGTERM: " + f);
        }
        long keysBefore = c.redis.resp().keys("us:{*").size();
        String runBefore = runId(c.redis);
        f.note("Redis killed holding " + keysBefore + " sessions");
        assertTrue(keysBefore > 0, "Redis held sessions when it was killed: " + keysBefore);
        c.redis.kill();
        c.redis.start();
        String runAfter = runId(c.redis);
        assertTrue(
                !runAfter.isEmpty() && !runAfter.equals(runBefore),
                "a new redis-server runs: run_id " + runBefore + " -> " + runAfter);
        long keysEmpty = c.redis.resp().keys("*").size();
        f.note("Redis restarted with " + keysEmpty + " keys");
        assertEquals(0, keysEmpty, "Redis is empty before any node runs again");
        for (Node n : c.nodes) n.start();
        for (int i = 0; i < c.nodes.size(); i++) {
            Node n = c.nodes.get(i);
            assertTrue(n.alive() && n.pid() != pidsBefore.get(i), n.name + " runs a new JVM");
        }
        verify(c, shoppers, f);
        f.note("Redis keys after the checks: " + c.redis.resp().keys("us:{*").size());
        f.note(c.observedFailures(f));
        finish(f);
        assertEquals(CLIENTS, f.sessionsChecked, f.toString());
        assertNothingLost(f);
    }

    /**
     * 1,000 rounds, each on a session of its own: log in and add an item on n1, then log out on n1 while another
     * client with the same cookie adds an item on n2; afterwards the session must be gone on both nodes. A round only
     * counts when it really raced a live session: the login gave a cookie, the first add was acknowledged, and the
     * logout answered its redirect. The racing add may win (acknowledged) or lose (sent to log in); nothing else, and
     * no failure of any kind, is allowed.
     */
    @Test
    @Order(6)
    void invalidateRacingAWriteOnAnotherNodeNeverResurrects() throws Exception {
        Figures f = new Figures("6. invalidate vs. write across nodes, 1,000 rounds");
        Cluster c = new Cluster(2);
        AtomicInteger resurrected = new AtomicInteger();
        AtomicInteger raced = new AtomicInteger();
        AtomicInteger writeFirst = new AtomicInteger();
        AtomicInteger logoutFirst = new AtomicInteger();
        AtomicInteger notRaced = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int worker = w;
                done.add(pool.submit(() -> {
                    for (int round = 0; round < 250; round++) {
                        Shopper s = new Shopper("race" + worker + "-" + round);
                        f.count(s.login(c.nodes.get(0)));
                        f.count(s.add(c.nodes.get(0)));
                        boolean live = s.hasCookie() && s.acknowledged == 1;
                        Shopper writer = s.sameCookie();
                        Shopper checker = s.sameCookie();
                        Future<Shopper.Call> out = pool.submit(() -> s.logout(c.nodes.get(0)));
                        Future<Shopper.Call> in = pool.submit(() -> writer.add(c.nodes.get(1)));
                        Shopper.Call loggedOut = out.get();
                        Shopper.Call wrote = in.get();
                        f.count(loggedOut);
                        f.count(wrote);
                        boolean logoutDone =
                                (loggedOut.status() == 302 || loggedOut.status() == 303) && !loggedOut.toLogin();
                        if (live && logoutDone) {
                            raced.incrementAndGet();
                        } else if (notRaced.incrementAndGet() <= 3) {
                            f.note("round not raced: " + s.user + " cookie=" + s.hasCookie() + " acknowledged="
                                    + s.acknowledged + " logout=" + loggedOut.status() + " " + loggedOut.location());
                        }
                        if (writer.acknowledged == 1) writeFirst.incrementAndGet();
                        else if (wrote.toLogin()) logoutFirst.incrementAndGet();
                        else if (notRaced.incrementAndGet() <= 3) {
                            f.note("racing add answered " + wrote.status() + " " + wrote.location() + ": " + s.user);
                        }
                        for (Node n : c.nodes) {
                            Shopper.Call check = checker.sameCookie().cart(n);
                            f.count(check);
                            if (Shopper.items(check) != -1) {
                                resurrected.incrementAndGet();
                                f.note("resurrected on " + n.name + ": " + s.user + " status=" + check.status()
                                        + " location=" + check.location() + " items=" + Shopper.items(check));
                            }
                        }
                        f.checked();
                    }
                    return null;
                }));
            }
            for (Future<?> d : done) d.get(10, TimeUnit.MINUTES);
        } finally {
            pool.shutdown();
        }
        f.note(raced.get() + " rounds raced (racing add acknowledged in " + writeFirst.get() + ", sent to log in in "
                + logoutFirst.get() + ")");
        f.note(resurrected.get() + " resurrected");
        finish(f);
        assertEquals(1000, f.sessionsChecked, f.toString());
        assertEquals(1000, raced.get(), "every round raced an add against the logout of a live session: " + f);
        assertEquals(
                1000,
                writeFirst.get() + logoutFirst.get(),
                "every racing add was either acknowledged or sent to log in: " + f);
        assertTrue(
                writeFirst.get() > 0 && logoutFirst.get() > 0,
                "the race went both ways (the add won in some "
                        + "rounds, the logout in others), so both orders were tested: " + f);
        assertEquals(0, resurrected.get(), f.toString());
        assertNothingLost(f);
    }

    /** The tiered mode's timings the scenarios 7 and 8 give every node (the defaults, spelled out). */
    private static final List<String> TIERED_TIMINGS = List.of(
            "-Dunisession.tiered.heartbeat=500ms", "-Dunisession.tiered.lease=5s", "-Dunisession.redis.deadline=2s");
    /** What a node logs each time it starts serving from a tier (ClusterMode), followed by " (epoch N)". */
    private static final String SERVES_DATABASE = "Session store: this node serves from the database tier";

    private static final String SERVES_CACHE = "Session store: this node serves from the cache tier";
    private static final java.util.regex.Pattern SERVES =
            java.util.regex.Pattern.compile("serves from the (cache|database) tier \\(epoch (\\d+)\\)");
    private static final String REDIS_DOWN = "Redis down";
    private static final String AFTER_RESTART = "after the restart";
    private static final String IN_DATABASE = "every node serving from the database";

    private static List<String> with(List<String> settings, String... more) {
        List<String> out = new ArrayList<>(settings);
        out.addAll(List.of(more));
        return out;
    }

    /** Switches to the database a node logged. */
    private static long toDatabase(Node n) {
        return n.logCount(SERVES_DATABASE);
    }

    /** Switches back to the cache tier a node logged (its start, in epoch 0, is not one). */
    private static long backToCache(Node n) {
        return n.logCount(SERVES_CACHE) - n.logCount(SERVES_CACHE + " (epoch 0)");
    }

    /** The tiers a node served from, in order, with their epochs: "cache 0, database 2, cache 4". */
    private static String servedFrom(Node n) {
        List<String> out = new ArrayList<>();
        for (String line : n.logLines("this node serves from the")) {
            java.util.regex.Matcher m = SERVES.matcher(line);
            if (m.find()) out.add(m.group(1) + " " + m.group(2));
        }
        return n.name + ": " + String.join(", ", out);
    }

    /**
     * Two nodes under load; Redis is killed (SIGKILL) for every node at once, and 20 s later started again, empty,
     * on the same port. The cluster switches to the database (a majority sees Redis gone), serves from there, and
     * comes back to Redis once it answers again; the sessions come back from the database. No failure of any kind
     * is allowed: a request that finds Redis gone waits for the switch (within {@code redis.deadline}) and runs
     * again against the database. Each node switches exactly once each way. The latency of the requests sent while
     * Redis was down (including those that waited for the switch) is noted, not asserted: the switch waits for the
     * Redis calls under way to time out (about {@code redis.timeout}, 1.1 s measured), and the database path is cold
     * for a few seconds after it, so its p99 ranged from 137 to 1,437 ms over four runs on a shared 2-CPU host.
     */
    @Test
    @Order(7)
    void redisKilledForAllNodesThenRestartedEmpty() throws Exception {
        Figures f = new Figures("7. Redis killed (SIGKILL) for 2 nodes under load, started empty 20 s later");
        Cluster c = new Cluster(2, null, TIERED_TIMINGS, null);
        List<Shopper> shoppers = loggedIn(c, f, "d");
        String runBefore = runId(c.redis);
        AtomicReference<String> runAfter = new AtomicReference<>("");
        java.util.concurrent.atomic.AtomicLong keysAtKill = new java.util.concurrent.atomic.AtomicLong(-1);
        java.util.concurrent.atomic.AtomicLong keysAtRestart = new java.util.concurrent.atomic.AtomicLong(-1);
        AtomicBoolean answeredWhileDown = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong switchMillis = new java.util.concurrent.atomic.AtomicLong(-1);
        Throwable failed = underLoad(c, shoppers, f, () -> {
            Thread.sleep(4_000);
            keysAtKill.set(c.redis.resp().keys("us:{*").size());
            f.openWindow(REDIS_DOWN);
            long killedAt = System.nanoTime();
            c.redis.kill();
            answeredWhileDown.set(c.redis.resp().ping());
            // The switch is complete once every node serves from the database.
            while (c.nodes.stream().anyMatch(n -> toDatabase(n) == 0)
                    && System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(10)) {
                Thread.sleep(10);
            }
            long switched = System.nanoTime();
            switchMillis.set(TimeUnit.NANOSECONDS.toMillis(switched - killedAt));
            f.openWindow(IN_DATABASE, switched);
            Thread.sleep(
                    Math.max(0, TimeUnit.SECONDS.toMillis(20) - TimeUnit.NANOSECONDS.toMillis(switched - killedAt)));
            answeredWhileDown.compareAndSet(false, c.redis.resp().ping());
            f.closeWindow(REDIS_DOWN);
            f.closeWindow(IN_DATABASE);
            f.openWindow(AFTER_RESTART);
            c.redis.start();
            keysAtRestart.set(c.redis.resp().keys("*").size());
            runAfter.set(runId(c.redis));
            f.note("Redis killed holding " + keysAtKill.get() + " sessions, started again 20 s later with "
                    + keysAtRestart.get() + " keys");
            Thread.sleep(8_000);
            f.closeWindow(AFTER_RESTART);
        });
        long keysAtEnd = c.redis.resp().keys("us:{*").size();
        Figures.Latency down = f.latency(REDIS_DOWN);
        Figures.Latency after = f.latency(AFTER_RESTART);
        f.note("latency of requests sent while Redis was down: " + down);
        f.note("every node served from the database " + switchMillis.get() + " ms after the kill; requests sent "
                + "from then until the restart: " + f.latency(IN_DATABASE));
        f.note("in the 8 s after its restart: " + after);
        finish(f, c, keysAtEnd);
        assertDisruptionRan(failed, f);
        assertTrue(keysAtKill.get() > 0, "Redis held sessions when it was killed: " + f);
        assertTrue(!answeredWhileDown.get(), "Redis did not answer while it was down: " + f);
        assertTrue(
                !runAfter.get().isEmpty() && !runAfter.get().equals(runBefore),
                "a new redis-server runs: run_id " + runBefore + " -> " + runAfter.get());
        assertEquals(0, keysAtRestart.get(), "Redis started again empty: " + f);
        assertTrue(down.requests() > 0, "requests were sent while Redis was down: " + f);
        for (Node n : c.nodes) {
            assertEquals(
                    1, toDatabase(n), n.name + " switched to the database exactly once: " + servedFrom(n) + "; " + f);
            assertEquals(
                    1,
                    backToCache(n),
                    n.name + " switched back to the cache tier exactly once: " + servedFrom(n) + "; " + f);
        }
        assertTrue(keysAtEnd > 0, "the nodes serve from Redis again (it holds sessions): " + f);
        assertNothingLost(f);
    }

    /** The {@code status} a node's health endpoint reports (UP, DEGRADED, DOWN), or what kept it from answering. */
    private static String health(Node n) {
        Shopper.Call h = new Shopper("health")
                .send(java.net.http.HttpRequest.newBuilder(n.uri("/unisession/health"))
                        .GET());
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("\"status\":\"(\\w+)\"").matcher(h.body());
        return m.find() ? m.group(1) : "HTTP " + h.status() + " " + h.body();
    }

    /**
     * Three nodes under load; n1 reaches Redis through a TCP proxy, n2 and n3 directly. The proxy is cut for 10 s
     * (its connections closed, new ones refused), then restored. n1 alone sees Redis gone, a minority, so the
     * cluster stays on the cache tier: no node switches to the database, n1 answers 503 with Retry-After (the one
     * failure allowed, from n1 only; the balancer retries on the next node) and its health endpoint reports DOWN.
     * After the restore n1 serves again: an add and a cart page sent to n1 are answered.
     */
    @Test
    @Order(8)
    void oneNodeCutOffFromRedis() throws Exception {
        Figures f = new Figures("8. one of 3 nodes cut off from Redis (TCP proxy) for 10 s under load")
                .allowStoreUnavailableFrom(
                        "n1",
                        "n1 alone sees Redis gone (its proxy closes and refuses "
                                + "connections), a minority, so the cluster stays on the cache tier: n1 answers 503 with "
                                + "Retry-After and reports DOWN, and the balancer sends the request to the next node");
        AtomicReference<TcpProxy> proxy = new AtomicReference<>();
        Cluster c = new Cluster(3, null, with(TIERED_TIMINGS, "-Dunisession.health.enabled=true"), (i, redis) -> {
            if (i != 0) return null;
            TcpProxy p = new TcpProxy(redis.port());
            started.add(p);
            ports.add(p.port());
            proxy.set(p);
            return "redis://127.0.0.1:" + p.port();
        });
        Node n1 = c.nodes.get(0);
        List<Shopper> shoppers = loggedIn(c, f, "p");
        Shopper probe = new Shopper("probe-n1");
        f.count(probe.login(c.nodes.get(1)));
        assertTrue(probe.hasCookie(), "the probe logged in: " + f);
        AtomicReference<String> healthBefore = new AtomicReference<>("");
        AtomicReference<String> healthAfter = new AtomicReference<>("");
        Map<String, Integer> healthWhileCut = new java.util.concurrent.ConcurrentSkipListMap<>();
        java.util.concurrent.atomic.AtomicLong downAfter = new java.util.concurrent.atomic.AtomicLong(-1);
        java.util.concurrent.atomic.AtomicLong servesAgainAfter = new java.util.concurrent.atomic.AtomicLong(-1);
        AtomicInteger probeItems = new AtomicInteger(-3);
        Throwable failed = underLoad(c, shoppers, f, () -> {
            Thread.sleep(4_000);
            healthBefore.set(health(n1));
            long t0 = System.currentTimeMillis();
            proxy.get().cut();
            while (System.currentTimeMillis() - t0 < 10_000) {
                String h = health(n1);
                healthWhileCut.merge(h.startsWith("HTTP") ? "no status" : h, 1, Integer::sum);
                if ("DOWN".equals(h) && downAfter.get() < 0) downAfter.set(System.currentTimeMillis() - t0);
                Thread.sleep(200);
            }
            proxy.get().restore();
            long t1 = System.currentTimeMillis();
            // n1 serves again: an add sent to n1 is acknowledged and n1's cart page shows it (n1 may answer 503
            // until it has reached Redis again).
            while (probe.acknowledged == 0 && System.currentTimeMillis() - t1 < 20_000) {
                f.count(probe.add(n1));
                if (probe.acknowledged == 0) Thread.sleep(100);
            }
            if (probe.acknowledged == 0)
                throw new IllegalStateException("n1 did not acknowledge an add within 20 s of the restore");
            Shopper.Call cart = probe.cart(n1);
            f.count(cart);
            probeItems.set(Shopper.items(cart));
            servesAgainAfter.set(System.currentTimeMillis() - t1);
            long t2 = System.currentTimeMillis();
            String h = health(n1);
            while ("DOWN".equals(h) && System.currentTimeMillis() - t2 < 10_000) {
                Thread.sleep(200);
                h = health(n1);
            }
            healthAfter.set(h);
            f.note("n1 health " + healthBefore.get() + " before the cut, " + healthWhileCut + " while cut (DOWN "
                    + downAfter.get() + " ms after the cut), " + h + " after; n1 served again "
                    + servesAgainAfter.get() + " ms after the restore");
            Thread.sleep(4_000);
        });
        finish(f, c, -1);
        assertDisruptionRan(failed, f);
        assertNotEquals("DOWN", healthBefore.get(), "n1 was not DOWN before the cut: " + f);
        assertTrue(
                downAfter.get() >= 0, "n1's health reported DOWN while it was cut off: " + healthWhileCut + "; " + f);
        for (Node n : c.nodes) {
            assertEquals(0, toDatabase(n), n.name + " never switched to the database: " + servedFrom(n) + "; " + f);
        }
        assertTrue(f.failures(Figures.STORE_UNAVAILABLE_CUT_OFF) > 0, "clients saw n1 fail while cut off: " + f);
        assertEquals(1, probe.acknowledged, "an add sent to n1 after the restore was acknowledged: " + f);
        assertTrue(
                probeItems.get() >= 1,
                "n1's cart page after the restore shows it: " + probeItems.get() + " items; " + f);
        assertNotEquals("DOWN", healthAfter.get(), "n1's health is no longer DOWN after the restore: " + f);
        assertNothingLost(f);
    }

    /** Seconds of flapping in scenario 9 ({@code -Dit.unisession.flapSeconds}; 60 in CI and in the profile). */
    private static final long FLAP_SECONDS = Long.getLong("it.unisession.flapSeconds", 60);
    /** Scenario 9's {@code tiered.return-after}: within the 1-3 s up periods, so some allow a return and some not. */
    private static final long FLAP_RETURN_AFTER_MILLIS = 2_000;
    /** How long after Redis is up for good every node must serve from the cache tier again (no livelock). */
    private static final long BACK_IN_CACHE_WITHIN_MILLIS = 30_000;

    /** Session hashes the private Redis holds, or -1 when it does not answer (a disruption that failed). */
    private static long sessionsInRedis(Cluster c) {
        try {
            return c.redis.resp().keys("us:{*").size();
        } catch (java.io.UncheckedIOException e) {
            return -1;
        }
    }

    /** The mode the cluster is in, read from the database (docs/tiered.md). */
    private static ModeRows.Mode mode(ModeRows rows) {
        try {
            return rows.mode();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot read us_mode: " + e, e);
        }
    }

    /** Every live node serves from the tier of the cluster's current serving state, in its epoch (its last log line). */
    private static boolean everyLiveNodeServes(Cluster c, ModeRows rows, String state) {
        ModeRows.Mode m = mode(rows);
        if (m == null || !state.equals(m.state())) return false;
        String expected = (state.equals("CACHE") ? "cache" : "database") + " " + m.epoch();
        for (Node n : c.nodes) {
            if (!n.alive()) continue;
            List<String> lines = n.logLines("this node serves from the");
            if (lines.isEmpty()) return false;
            java.util.regex.Matcher x = SERVES.matcher(lines.get(lines.size() - 1));
            if (!x.find() || !expected.equals(x.group(1) + " " + x.group(2))) return false;
        }
        return true;
    }

    /**
     * How often a node changed the tier it serves from: {to the database, back to the cache tier}. A node may pass
     * a whole CACHE state of the cluster without serving in it (it reads the states at its heartbeats, and waits in
     * the barrier meanwhile): "database 2, database 6" is one change.
     */
    private static int[] tierChanges(Node n) {
        int[] out = new int[2];
        String tier = "cache";
        for (String line : n.logLines("this node serves from the")) {
            java.util.regex.Matcher m = SERVES.matcher(line);
            if (!m.find() || m.group(1).equals(tier)) continue;
            tier = m.group(1);
            out[tier.equals("database") ? 0 : 1]++;
        }
        return out;
    }

    /** Waits until {@link #everyLiveNodeServes}; the time it took in ms, or -1 if not within {@code millis}. */
    private static long awaitEveryLiveNodeServes(Cluster c, ModeRows rows, String state, long millis)
            throws InterruptedException {
        long t0 = System.nanoTime();
        while (!everyLiveNodeServes(c, rows, state)) {
            if (System.nanoTime() - t0 > TimeUnit.MILLISECONDS.toNanos(millis)) return -1;
            Thread.sleep(10);
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    /**
     * Three nodes under load while Redis flaps for {@link #FLAP_SECONDS} s: killed (SIGKILL), started again empty
     * 1-3 s later, killed again 1-3 s after that, and so on (durations drawn from a seeded random, printed; repeat a
     * run with {@code -Dit.unisession.flapSeed}). The nodes run with {@code tiered.return-after} 2 s, the test
     * watches the mode row in the database (every 5 ms) and asserts the hysteresis of docs/tiered.md:
     * <ul>
     * <li>every return to the cache tier (DATABASE to TO_CACHE) was decided at least {@code return-after} after
     *     Redis last started (the decision's {@code changed_at} minus the last start, both this machine's clock):
     *     a majority must have seen Redis answer for that long, and none could see it before it started;</li>
     * <li>the number of switches is bounded: the cluster's returns (TO_CACHE states, from the epoch) &lt;= the up
     *     periods that lasted at least {@code return-after} - 1 s (the rows a heartbeat reads may show Redis
     *     answering up to a heartbeat after a kill), + 1 for the final one; per node, its changes of tier to the
     *     database &lt;= its changes back + 1, and neither more than the cluster's (a node may pass a short CACHE state
     *     without serving in it);</li>
     * <li>no livelock: once Redis stays up, every node serves from the cache tier again within
     *     {@link #BACK_IN_CACHE_WITHIN_MILLIS} (measured and printed);</li>
     * <li>nothing lost and no failure of any kind (as scenario 7: a request that finds Redis gone waits for the
     *     switch and runs again).</li>
     * </ul>
     */
    @Test
    @Order(9)
    void redisFlappingUnderLoad() throws Exception {
        long seed = Long.getLong("it.unisession.flapSeed", new SecureRandom().nextLong());
        System.out.println(
                "[reliability] scenario 9: seed " + seed + " (repeat with -Dit.unisession.flapSeed=" + seed + ")");
        Figures f = new Figures("9. Redis flapping: killed (SIGKILL) and started empty every 1-3 s for "
                + FLAP_SECONDS + " s under load, 3 nodes (tiered.return-after " + FLAP_RETURN_AFTER_MILLIS
                + " ms)");
        Cluster c = new Cluster(
                3,
                null,
                with(TIERED_TIMINGS, "-Dunisession.tiered.return-after=" + FLAP_RETURN_AFTER_MILLIS + "ms"),
                null);
        ModeRows rows = new ModeRows(c.db);
        started.add(rows);
        List<Shopper> shoppers = loggedIn(c, f, "f");
        rows.watch(5);
        java.util.Random random = new java.util.Random(seed);
        // Redis's starts and kills (System.currentTimeMillis(), taken before the start, after the kill).
        List<Long> starts = java.util.Collections.synchronizedList(new ArrayList<>(List.of(0L)));
        List<Long> kills = java.util.Collections.synchronizedList(new ArrayList<>());
        StringBuilder schedule = new StringBuilder();
        java.util.concurrent.atomic.AtomicLong backInCache = new java.util.concurrent.atomic.AtomicLong(-1);
        Throwable failed = underLoad(c, shoppers, f, () -> {
            Thread.sleep(4_000);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(FLAP_SECONDS);
            while (System.nanoTime() < end) {
                long down = 1_000 + random.nextInt(2_001);
                long up = 1_000 + random.nextInt(2_001);
                // Each period is measured from the start of the kill or of the start (each takes some time).
                long killAt = System.currentTimeMillis();
                kills.add(killAt);
                c.redis.kill();
                Thread.sleep(Math.max(0, killAt + down - System.currentTimeMillis()));
                long startAt = System.currentTimeMillis();
                starts.add(startAt);
                c.redis.start();
                synchronized (schedule) {
                    schedule.append(schedule.length() == 0 ? "" : " ")
                            .append(String.format(java.util.Locale.ROOT, "%.1f/%.1f", down / 1000.0, up / 1000.0));
                }
                long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
                if (left <= 0) break;
                Thread.sleep(Math.max(0, Math.min(startAt + up - System.currentTimeMillis(), left)));
            }
            // Redis stays up from its last start: every node must come back to the cache tier.
            long sinceStart = System.currentTimeMillis() - starts.get(starts.size() - 1);
            long waited = awaitEveryLiveNodeServes(c, rows, "CACHE", BACK_IN_CACHE_WITHIN_MILLIS);
            backInCache.set(waited < 0 ? -1 : waited + sinceStart);
            if (waited < 0) {
                throw new IllegalStateException("not every node serves from the cache tier "
                        + BACK_IN_CACHE_WITHIN_MILLIS + " ms after Redis last started: mode " + mode(rows));
            }
            Thread.sleep(5_000);
        });
        long keysAtEnd = sessionsInRedis(c);
        rows.close();
        List<ModeRows.Seen> seen = rows.seen();
        long finalEpoch = seen.isEmpty() ? 0 : seen.get(seen.size() - 1).mode().epoch();
        long returns = (finalEpoch + 1) / 4; // TO_CACHE states passed: epochs 3, 7, 11, ...
        long switchesToDatabase = (finalEpoch + 3) / 4; // TO_DATABASE states passed: epochs 1, 5, 9, ...
        // The hysteresis: each return decided at least return-after after Redis last started.
        List<String> early = new ArrayList<>();
        List<String> upWhenDecided = new ArrayList<>();
        int returnsSeen = 0;
        for (ModeRows.Seen s : seen) {
            if (!"TO_CACHE".equals(s.mode().state())) continue;
            returnsSeen++;
            long decided = s.mode().changedAt();
            long lastStart =
                    starts.stream().filter(t -> t <= decided).max(Long::compare).orElse(0L);
            long lastKill =
                    kills.stream().filter(t -> t <= decided).max(Long::compare).orElse(0L);
            // (Redis killed again before the decision: the rows a heartbeat reads may be up to a heartbeat old.)
            upWhenDecided.add((decided - lastStart)
                    + (lastKill > lastStart ? " (killed " + (decided - lastKill) + " ms before)" : ""));
            if (decided - lastStart < FLAP_RETURN_AFTER_MILLIS) {
                early.add(s.mode() + " decided " + (decided - lastStart) + " ms after Redis started");
            }
        }
        // Up periods within the flapping: from each start to the next kill.
        int upPeriods = 0;
        int eligible = 0;
        List<Long> upMillis = new ArrayList<>();
        for (int i = 1; i < starts.size() && i < kills.size(); i++) {
            upPeriods++;
            upMillis.add(kills.get(i) - starts.get(i));
            if (kills.get(i) - starts.get(i) >= FLAP_RETURN_AFTER_MILLIS - 1_000) eligible++;
        }
        int longUp = 0;
        for (int i = 1; i < starts.size() && i < kills.size(); i++) {
            if (kills.get(i) - starts.get(i) >= FLAP_RETURN_AFTER_MILLIS) longUp++;
        }
        f.note("seed " + seed + "; " + kills.size() + " outages, down/up s: " + schedule);
        f.note(upPeriods + " up periods within the flapping (" + upMillis + " ms), " + longUp + " of them >= "
                + "return-after, " + eligible + " >= return-after - 1 s; cluster epochs 0.." + finalEpoch + ": "
                + switchesToDatabase + " switches to the database, " + returns + " returns (" + returnsSeen
                + " seen, decided " + upWhenDecided + " ms after Redis last started)");
        f.note("every node served from the cache tier " + backInCache.get() + " ms after Redis last started");
        // Where a stale page and the add it lacked fell in the flapping (to explain a failure from CI's output).
        long wallOffset = System.currentTimeMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
        java.util.function.LongFunction<String> when = nanos -> {
            long t = TimeUnit.NANOSECONDS.toMillis(nanos) + wallOffset;
            long kill = kills.stream().filter(k -> k <= t).max(Long::compare).orElse(0L);
            long start = starts.stream().filter(k -> k <= t).max(Long::compare).orElse(0L);
            String mode = seen.stream()
                    .filter(x -> x.mode().changedAt() <= t)
                    .reduce((a, b) -> b)
                    .map(x -> x.mode().state() + "(" + x.mode().epoch() + ")")
                    .orElse("CACHE(0)");
            return (kill > start ? "Redis down, killed " + (t - kill) : "Redis up, started " + (t - start))
                    + " ms before; cluster " + mode;
        };
        int explained = 0;
        for (Shopper s : shoppers) {
            if (s.staleReads.isEmpty() || explained++ >= 2) continue;
            Shopper.Ack stale = s.staleReads.get(0);
            long ackedBefore =
                    s.acks.stream().filter(a -> a.answeredAt() < stale.sentAt()).count();
            int lacked = (int) ackedBefore - stale.lacking(); // the first add it lacked (the newest ones are)
            Shopper.Ack add = lacked >= 0 && lacked < s.acks.size() ? s.acks.get(lacked) : null;
            f.note(s.user + "'s first stale page (" + stale.node() + ", " + when.apply(stale.sentAt()) + ")"
                    + (add == null
                            ? ""
                            : " lacked the add acknowledged by " + add.node() + " (answered: "
                                    + when.apply(add.answeredAt()) + ")"));
        }
        finish(f, c, keysAtEnd);
        assertDisruptionRan(failed, f);
        assertTrue(kills.size() >= FLAP_SECONDS / 6, "Redis was killed at least every 6 s: " + kills.size() + "; " + f);
        assertEquals(
                List.of(),
                early,
                "every return to the cache tier came at least tiered.return-after (" + FLAP_RETURN_AFTER_MILLIS
                        + " ms) after Redis last started: " + f);
        assertTrue(returnsSeen >= 1, "the watch saw a return to the cache tier: " + f);
        assertTrue(
                returns <= eligible + 1,
                "returns to the cache tier (" + returns + ") <= up periods that lasted "
                        + "at least return-after - 1 s (" + eligible + ") + the final one: " + f);
        for (Node n : c.nodes) {
            int[] changes = tierChanges(n);
            assertTrue(changes[0] >= 1, n.name + " switched to the database: " + servedFrom(n) + "; " + f);
            assertTrue(
                    changes[0] <= switchesToDatabase && changes[1] <= returns,
                    n.name + " changed tiers at most "
                            + "as often as the cluster (" + switchesToDatabase + " to the database, " + returns
                            + " back): "
                            + servedFrom(n) + "; " + f);
            assertTrue(
                    changes[0] <= changes[1] + 1,
                    n.name + " switched to the database at most once more than back: " + servedFrom(n) + "; " + f);
        }
        assertTrue(backInCache.get() >= 0, "every node came back to the cache tier: " + f);
        assertTrue(keysAtEnd > 0, "the nodes serve from Redis again (it holds sessions): " + f);
        assertNothingLost(f);
    }

    /**
     * Scenario 10's {@code redis.deadline}: longer than {@code tiered.lease} (5 s), so that a request waits out
     * the lease of a node that died in the barrier instead of failing (with the default 2 s it gets 503 +
     * Retry-After for about lease - deadline).
     */
    private static final String BARRIER_DEADLINE = "8s";

    private static final long LEASE_MILLIS = 5_000;
    /**
     * Scenario 10's {@code jpa.flush-interval}: the default (1 s), so that a node's queue holds a realistic amount
     * when it dies (the other scenarios flush every {@link #FLUSH_INTERVAL_MILLIS}).
     */
    private static final long BARRIER_FLUSH_INTERVAL_MILLIS = 1_000;

    /**
     * Three nodes under load; Redis is killed (SIGKILL) for all, and n3 is killed (SIGKILL) the moment the test
     * sees the barrier begin (the mode row in the database turns TO_DATABASE; it is read in a tight loop), before
     * n3 has acknowledged it (checked afterwards: n3's row, the one whose lease lapsed, never acknowledged the
     * barrier's epoch). The cluster completes the switch once n3's lease lapses (the decision comes at or after
     * the lease end its row shows; the time from the kill is printed beside {@code tiered.lease}); n1 and n2 serve
     * from the database, then from Redis again once it is started (empty). The surviving nodes answer no failure
     * (their requests wait for the switch: {@link #BARRIER_DEADLINE}); n3 not answering is retried elsewhere.
     *
     * <p>What n3's clients lose is measured: docs/tiered.md states a node killed in the barrier loses the writes
     * still in its write-behind queue. The test asserts that every item missing at the end is explained by that:
     * for each shopper, the items missing are the last ones it had acknowledged before the kill, all acknowledged
     * by n3 after its last completed write-behind flush took its batch (the nodes log each flush they complete,
     * at DEBUG), as the documentation gives, so no item acknowledged by n1 or n2 is lost; and every cart page that
     * lacked items was answered after n3's death (from the database, after the switch) to a shopper that lost them,
     * lacking no more than it lost. The nodes flush every second (the default {@code jpa.flush-interval}) so that
     * n3's queue holds something when it dies.
     */
    @Test
    @Order(10)
    void nodeKilledInTheSwitchBarrier() throws Exception {
        Figures f = new Figures("10. kill -9 of one of 3 nodes in the barrier of the switch to the database "
                        + "(Redis killed for all under load)")
                .allow(Figures.UNREACHABLE, DOWN_NODE_RETRIED)
                .allow(
                        "409",
                        "a request that read the cart from Redis before the switch wrote after it, to a "
                                + "database row without the killed node's last unflushed write (the loss docs/tiered.md "
                                + "states): what it read no longer exists, so its change is refused, not acknowledged");
        Cluster c = new Cluster(
                3,
                null,
                with(
                        TIERED_TIMINGS,
                        "-Dunisession.redis.deadline=" + BARRIER_DEADLINE,
                        "-Dunisession.jpa.flush-interval=" + BARRIER_FLUSH_INTERVAL_MILLIS + "ms",
                        "-Djava.util.logging.config.file=" + flushesLogged()),
                null);
        ModeRows rows = new ModeRows(c.db);
        started.add(rows);
        Node victim = c.nodes.get(2);
        List<Shopper> shoppers = loggedIn(c, f, "b");
        java.util.concurrent.atomic.AtomicLong killedAt = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong killedAtMillis = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong redisKilledAt = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong redisKilledAtMillis = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong switchedAt = new java.util.concurrent.atomic.AtomicLong();
        AtomicReference<ModeRows.Mode> barrier = new AtomicReference<>();
        AtomicReference<ModeRows.Mode> switched = new AtomicReference<>();
        AtomicInteger exit = new AtomicInteger(-1);
        java.util.concurrent.atomic.AtomicLong backInCache = new java.util.concurrent.atomic.AtomicLong(-1);
        Throwable failed = underLoad(c, shoppers, f, () -> {
            Thread.sleep(4_000);
            ModeRows.Mode m = mode(rows);
            if (m == null || !"CACHE".equals(m.state())) throw new IllegalStateException("not in CACHE: " + m);
            redisKilledAt.set(System.nanoTime());
            redisKilledAtMillis.set(System.currentTimeMillis());
            c.redis.kill();
            while ("CACHE".equals(m.state())) {
                if (System.nanoTime() - redisKilledAt.get() > TimeUnit.SECONDS.toNanos(10)) {
                    throw new IllegalStateException("no switch began within 10 s of the Redis kill: " + m);
                }
                m = mode(rows);
            }
            killedAt.set(System.nanoTime());
            killedAtMillis.set(System.currentTimeMillis());
            exit.set(victim.kill());
            barrier.set(m);
            if (!"TO_DATABASE".equals(m.state()))
                throw new IllegalStateException("the barrier was over before the test saw it: " + m);
            while (!"DATABASE".equals(m.state())) {
                if (System.nanoTime() - killedAt.get() > TimeUnit.MILLISECONDS.toNanos(3 * LEASE_MILLIS)) {
                    throw new IllegalStateException(
                            "the switch did not complete within 3 x tiered.lease of the kill: " + m);
                }
                Thread.sleep(5);
                m = mode(rows);
            }
            switchedAt.set(System.nanoTime());
            switched.set(m);
            if (awaitEveryLiveNodeServes(c, rows, "DATABASE", 10_000) < 0) {
                throw new IllegalStateException("n1 and n2 do not serve from the database: " + mode(rows));
            }
            f.openWindow(IN_DATABASE);
            Thread.sleep(5_000);
            f.closeWindow(IN_DATABASE);
            c.redis.start();
            long back = awaitEveryLiveNodeServes(c, rows, "CACHE", BACK_IN_CACHE_WITHIN_MILLIS);
            if (back < 0)
                throw new IllegalStateException("n1 and n2 did not come back to the cache tier: " + mode(rows));
            backInCache.set(back);
            Thread.sleep(4_000);
        });
        List<ModeRows.NodeRow> nodeRows = rows.nodes();
        long now = System.currentTimeMillis();
        List<ModeRows.NodeRow> lapsed =
                nodeRows.stream().filter(r -> r.leaseUntil() < now).toList();
        long keysAtEnd = sessionsInRedis(c);
        long killToSwitch = TimeUnit.NANOSECONDS.toMillis(switchedAt.get() - killedAt.get());
        f.note("Redis killed, the barrier " + barrier.get() + " seen "
                + TimeUnit.NANOSECONDS.toMillis(killedAt.get() - redisKilledAt.get()) + " ms later, n3 killed then "
                + "(exit " + exit.get() + ")");
        ModeRows.NodeRow dead = lapsed.size() == 1 ? lapsed.get(0) : null;
        if (dead != null) {
            f.note("n3's row: acknowledged epoch " + dead.acked() + " (the barrier's is "
                    + (barrier.get() == null ? "?" : barrier.get().epoch()) + "), lease ended "
                    + (dead.leaseUntil() - killedAtMillis.get()) + " ms after the kill; " + switched.get()
                    + " decided "
                    + (switched.get() == null ? "?" : switched.get().changedAt() - dead.leaseUntil())
                    + " ms after the lease ended");
        }
        f.note("the switch completed " + killToSwitch + " ms after the kill (tiered.lease " + LEASE_MILLIS
                + " ms); requests sent while n1 and n2 served from the database: " + f.latency(IN_DATABASE)
                + "; n1 and n2 served from the cache tier again " + backInCache.get() + " ms after Redis started");
        // What n3's clients lost: per shopper, the items missing at the end.
        String n3 = victim.name;
        long death = killedAt.get();
        int lost = 0;
        int shoppersLosing = 0;
        long oldest = -1;
        long oldestBeforeRedis = Long.MIN_VALUE;
        int acksByN3InWindow = 0;
        // n3's last flush that completed: every write it queued before that flush took its batch is in the database
        // but for the ones the flush put back (to wait for a write before them, or to be tried again).
        LastFlush flushed = LastFlush.of(victim);
        long ackedBeforeFlush = 0;
        // The shoppers (one session each) whose lost items include one acknowledged before that batch: a write the
        // flush put back is one session's, and may carry several of its items.
        java.util.Set<String> lostBeforeFlush = new java.util.HashSet<>();
        List<String> unexplained = new ArrayList<>();
        List<String> staleUnexplained = new ArrayList<>();
        for (Shopper s : shoppers) {
            List<Shopper.Ack> before =
                    s.acks.stream().filter(a -> a.answeredAt() <= death).toList();
            for (Shopper.Ack a : before) {
                if (a.node().equals(n3)
                        && death - a.answeredAt() <= TimeUnit.MILLISECONDS.toNanos(BARRIER_FLUSH_INTERVAL_MILLIS))
                    acksByN3InWindow++;
            }
            int missing = s.itemsAtEnd < 0 ? 0 : s.acknowledged - s.itemsAtEnd;
            if (missing > 0) {
                lost += missing;
                shoppersLosing++;
                // The missing items must be the last ones acknowledged before the kill, each by n3.
                if (missing > before.size()) {
                    unexplained.add(s.user + " lacks " + missing + " of " + s.acknowledged + " items, only "
                            + before.size() + " acknowledged before the kill");
                } else {
                    List<Shopper.Ack> tail = before.subList(before.size() - missing, before.size());
                    if (tail.stream().anyMatch(a -> !a.node().equals(n3))) {
                        unexplained.add(s.user + " lacks " + missing + " items, and the last " + missing
                                + " acknowledged before the kill were not all n3's: "
                                + tail.stream().map(Shopper.Ack::node).toList());
                    }
                    for (Shopper.Ack a : tail) {
                        long ackedAtMillis =
                                killedAtMillis.get() - TimeUnit.NANOSECONDS.toMillis(death - a.answeredAt());
                        if (flushed == null || ackedAtMillis < flushed.takenAt()) {
                            ackedBeforeFlush++;
                            lostBeforeFlush.add(s.user);
                        }
                    }
                    oldest = Math.max(
                            oldest,
                            TimeUnit.NANOSECONDS.toMillis(death - tail.get(0).answeredAt()));
                    oldestBeforeRedis = Math.max(
                            oldestBeforeRedis,
                            TimeUnit.NANOSECONDS.toMillis(
                                    redisKilledAt.get() - tail.get(0).answeredAt()));
                }
            }
            for (Shopper.Ack r : s.staleReads) {
                if (r.answeredAt() < death || r.lacking() > Math.max(0, missing)) {
                    staleUnexplained.add(s.user + " page lacking " + r.lacking() + " answered "
                            + TimeUnit.NANOSECONDS.toMillis(r.answeredAt() - death) + " ms after n3's kill; it lost "
                            + missing);
                }
            }
        }
        f.note("lost: " + lost + " items of " + shoppersLosing + " shoppers, acknowledged by n3 at most " + oldest
                + " ms before its death and " + oldestBeforeRedis + " ms before Redis's (n3 acknowledged "
                + acksByN3InWindow
                + " adds in its last jpa.flush-interval, " + BARRIER_FLUSH_INTERVAL_MILLIS
                + " ms); n3's last completed flush: "
                + (flushed == null ? "none logged" : flushed.describe(killedAtMillis.get(), redisKilledAtMillis.get()))
                + "; lost items acknowledged before it took its batch: " + ackedBeforeFlush
                + "; items acknowledged by n1 and n2 lost: " + unexplained.size()
                + "; stale reads not explained by that loss: " + staleUnexplained.size());
        finish(f, c, keysAtEnd);
        assertDisruptionRan(failed, f);
        assertEquals(137, exit.get(), "n3 died of SIGKILL: " + f);
        assertEquals(1, lapsed.size(), "exactly one node's lease lapsed (n3's): " + nodeRows + "; " + f);
        assertTrue(
                dead.acked() < barrier.get().epoch(),
                "n3 was killed before it acknowledged the barrier (its row acknowledged epoch " + dead.acked()
                        + ", the barrier is " + barrier.get() + "): " + f);
        assertEquals(barrier.get().epoch() + 1, switched.get().epoch(), "the switch completed: " + f);
        assertTrue(
                switched.get().changedAt() >= dead.leaseUntil(),
                "the switch waited for n3's lease to end (" + dead.leaseUntil() + "), decided at "
                        + switched.get().changedAt() + ": " + f);
        for (Node n : c.nodes) {
            if (n == victim) continue;
            assertEquals(1, toDatabase(n), n.name + " switched to the database once: " + servedFrom(n) + "; " + f);
            assertEquals(1, backToCache(n), n.name + " came back to the cache tier once: " + servedFrom(n) + "; " + f);
        }
        // n3 stayed dead: a request to it finds no server (whether a shopper had one under way at the kill is
        // chance; its failures, if any, are among the allowed unreachable ones counted above).
        Shopper.Call afterKill = new Shopper("probe").cart(victim);
        assertEquals(0, afterKill.status(), "n3 answers nothing after its kill: " + afterKill.body() + "; " + f);
        assertEquals(
                List.of(),
                unexplained,
                "every missing item was acknowledged by n3 and among the last before the kill: " + f);
        assertNotNull(flushed, "n3 logged the flushes it completed: " + f);
        assertTrue(
                lostBeforeFlush.size() <= flushed.putBack(),
                "every missing item was acknowledged by n3 after its last completed flush took its batch (as "
                        + "docs/tiered.md states), but for the sessions of at most the writes that flush put back ("
                        + flushed.putBack() + "): " + ackedBeforeFlush + " items of " + lostBeforeFlush.size()
                        + " shoppers were acknowledged before: " + f);
        assertEquals(
                List.of(),
                staleUnexplained,
                "every stale cart page was answered after n3's kill (from the "
                        + "database) to a shopper that lost items, lacking no more than it lost: " + f);
        assertTrue(keysAtEnd > 0, "n1 and n2 serve from Redis again (it holds sessions): " + f);
        assertAll(
                f.scenario,
                () -> assertEquals(0, f.sessionsLost, "sessions lost: " + f),
                () -> assertEquals(
                        Map.of(),
                        f.unexpectedFailures(),
                        "failures beyond those the scenario allows (" + f.allowed() + "): " + f),
                () -> assertEquals(0, f.serverErrors, "responses >= 500 or none from a live node: " + f),
                () -> assertEquals(0, f.unanswered, "operations no node answered: " + f));
    }

    /**
     * A JDK logging configuration that has the nodes log each write-behind flush they complete (WriteBehind's
     * DEBUG line: when it took its batch, how long it took, what it put back), beside the usual INFO lines.
     */
    private static Path flushesLogged() throws IOException {
        Path p = Files.createTempFile("flushes-logged", ".properties");
        Files.writeString(
                p,
                String.join(
                        "\n",
                        "handlers=java.util.logging.ConsoleHandler",
                        ".level=INFO",
                        "java.util.logging.ConsoleHandler.level=ALL",
                        "dev.unisession.store.jpa.WriteBehind.level=FINE",
                        ""));
        p.toFile().deleteOnExit();
        return p;
    }

    /** A node's last write-behind flush that completed, from its log (see {@link #flushesLogged}). */
    record LastFlush(long takenAt, long millis, int putBack) {
        private static final java.util.regex.Pattern LINE =
                java.util.regex.Pattern.compile("taken at (\\d+) in (\\d+) ms, (\\d+) put back");

        /** The last flush the node logged, or null if it logged none. */
        static LastFlush of(Node n) {
            LastFlush last = null;
            for (String l : n.logLines("queued session writes taken at")) {
                java.util.regex.Matcher m = LINE.matcher(l);
                if (m.find())
                    last = new LastFlush(
                            Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Integer.parseInt(m.group(3)));
            }
            return last;
        }

        String describe(long killedAtMillis, long redisKilledAtMillis) {
            return "took its batch " + (killedAtMillis - takenAt) + " ms before the kill and "
                    + (redisKilledAtMillis - takenAt) + " ms before Redis's, took " + millis + " ms, put back "
                    + putBack;
        }
    }
}
