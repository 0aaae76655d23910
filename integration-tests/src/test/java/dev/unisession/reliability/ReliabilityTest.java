package dev.unisession.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.testing.PrivateRedis;
import dev.unisession.testing.TestDatabase;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

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

/**
 * Sample-webapp nodes as separate JVMs behind a non-sticky round-robin client, on a Redis and a PostgreSQL
 * database of the test's own (store=tiered): a node killed under load, a rolling restart, Redis restarted empty
 * with every node restarted, and invalidation racing writes across nodes. Each scenario prints its figures and
 * adds a row to integration-tests/reliability.md. Run by the {@code reliability} profile.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReliabilityTest {

    private static final int CLIENTS = 32;
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
            for (String pattern : List.of("127\\.0\\.0\\.1:" + port + "( |$)", "--port " + port + "( |$)",
                    java.util.regex.Pattern.quote(Node.MARKER + port) + "( |$)")) {
                Process p = new ProcessBuilder("pgrep", "-a", "-f", "--", pattern).redirectErrorStream(true).start();
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
        List<String> lines = new ArrayList<>(List.of("# Reliability figures", "",
                "Written by `mvn -P reliability verify` (integration-tests, `ReliabilityTest`; `.ci/run` runs it): "
                        + "sample-webapp nodes as separate JVMs, store=tiered on Redis servers and a PostgreSQL "
                        + "database of the test's own, " + CLIENTS + " non-sticky clients adding to and reading "
                        + "their carts. Items lost = acknowledged adds missing from a cart at the end; stale reads = "
                        + "cart pages during the load that lacked an add acknowledged before they were asked for; "
                        + "breaker openings and Redis errors = what the nodes logged and counted (how the failure "
                        + "was observed).", "",
                "| scenario | requests | failures by status | sessions checked | sessions lost | items lost | p99 ms "
                        + "| stale reads | breaker openings | Redis errors | notes |",
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
            started.add(db);
            String redisSetting;
            if (topology == null) {
                redis = new PrivateRedis();
                started.add(redis);
                ports.add(redis.port());
                redisSetting = "-Dunisession.redis.url=" + redis.url();
            } else {
                redis = null;
                redisSetting = "-Dunisession.redis.config=" + topology.redissonYaml();
            }
            for (int i = 0; i < n; i++) {
                Node node = new Node("n" + (i + 1), Map.of("DATA_DIR", Files.createTempDirectory("node").toString()),
                        List.of("-Dunisession.store=tiered", redisSetting,
                                "-Dunisession.jpa.url=" + db.url(), "-Dunisession.jpa.user=" + db.user(),
                                "-Dunisession.jpa.flush-interval=200ms", "-Dunisession.breaker.open-for=1s",
                                "-Dunisession.token.keys=" + keys, "-Dunisession.cookie.secure=false"));
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

        /** Breaker openings the nodes logged, and Redis call errors they counted, so far. */
        String observedFailures(Figures f) {
            long opened = 0;
            long errors = 0;
            for (Node n : nodes) {
                opened += n.logCount("circuit breaker: State transition from CLOSED to OPEN");
                if (!n.alive()) continue;
                Shopper.Call ops = new Shopper("ops").send(java.net.http.HttpRequest.newBuilder(n.uri("/ops")));
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("redis\\.[a-z]+=(\\d+)")
                        .matcher(ops.body());
                while (m.find()) errors += Long.parseLong(m.group(1));
            }
            f.breakerOpenings += opened;
            f.redisErrors += errors;
            return "breaker opened " + opened + "x, " + errors + " Redis call errors";
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

    /** Each shopper adds and checks its cart on the nodes in turn until stopped; missing items are counted. */
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
                    // Non-sticky balancing that retries a node it cannot reach on the next one, as balancers do.
                    for (int attempt = 0; attempt < c.nodes.size(); attempt++) {
                        Node on = c.any(turn.getAndIncrement());
                        call = write ? s.add(on) : s.cart(on);
                        f.count(call);
                        if (call.reached()) break;
                    }
                    if (!call.reached()) {
                        Thread.sleep(50);
                        continue;
                    }
                    if (!write) {
                        int items = Shopper.items(call);
                        if (items == -1) {
                            f.note("logged out: " + s.user);
                            return null;
                        }
                        if (items >= 0 && items < s.acknowledged) f.staleRead(s.user + " saw " + items + " of "
                                + s.acknowledged);
                    }
                }
                return null;
            }));
        }
        pool.shutdown();
        for (Future<?> d : done) d.get(5, TimeUnit.MINUTES);
    }

    /** Every shopper's cart, read once on a live node: logged in, with every acknowledged item. */
    private static void verify(Cluster c, List<Shopper> shoppers, Figures f) {
        int i = 0;
        for (Shopper s : shoppers) {
            Shopper.Call call = s.cart(c.pick(i++));
            f.count(call);
            f.sessionsChecked++;
            int items = Shopper.items(call);
            if (items == -1) {
                f.sessionsLost++;
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
     */
    private static void underLoad(Cluster c, List<Shopper> shoppers, Figures f, Disruption disruption)
            throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        Thread t = new Thread(() -> {
            try {
                disruption.run();
            } catch (Exception e) {
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
    }

    private void finish(Figures f) {
        System.out.println(f);
        report.add(f);
    }

    @Test
    @Order(1)
    void killNineOneOfTwoNodesUnderLoad() throws Exception {
        Figures f = new Figures("1. kill -9 one of 2 nodes under " + CLIENTS + "-client load");
        Cluster c = new Cluster(2);
        List<Shopper> shoppers = loggedIn(c, f, "k");
        underLoad(c, shoppers, f, () -> {
            Thread.sleep(4_000);
            int exit = c.nodes.get(0).kill();
            f.note("n1 killed, exit " + exit);
            Thread.sleep(8_000);
        });
        finish(f);
        assertTrue(f.notes.stream().anyMatch(n -> n.startsWith("n1 killed, exit 137")), "the kill happened: " + f);
        assertTrue(f.failures("unreachable") > 0, "clients saw the dead node: " + f);
        assertEquals(0, f.sessionsLost, f.toString());
        assertEquals(0, f.itemsLost, f.toString());
    }

    @Test
    @Order(2)
    void rollingRestartOfThreeNodesUnderLoad() throws Exception {
        Figures f = new Figures("2. rolling restart of 3 nodes under load");
        Cluster c = new Cluster(3);
        List<Shopper> shoppers = loggedIn(c, f, "r");
        AtomicInteger restarts = new AtomicInteger();
        underLoad(c, shoppers, f, () -> {
            for (Node n : c.nodes) {
                Thread.sleep(1_500);
                n.stop();
                n.start();
                restarts.incrementAndGet();
            }
            Thread.sleep(1_500);
        });
        f.note(restarts.get() + " nodes restarted");
        finish(f);
        assertEquals(3, restarts.get(), f.toString());
        assertTrue(f.failures("unreachable") > 0, "clients saw the nodes go down: " + f);
        assertEquals(0, f.sessionsLost, f.toString());
        assertEquals(0, f.itemsLost, f.toString());
        assertEquals(0, f.serverErrors, "no 5xx: " + f);
    }

    @Test
    @Order(3)
    void redisClusterMasterKilledUnderLoad() throws Exception {
        failoverUnderLoad(new Figures("3. Redis Cluster 3 masters + 3 replicas: a master killed under load"),
                RedisTopology.cluster(3), "c");
    }

    @Test
    @Order(4)
    void redisSentinelMasterKilledUnderLoad() throws Exception {
        failoverUnderLoad(new Figures("4. Redis Sentinel (master, replica, 3 sentinels): the master killed under "
                + "load"), RedisTopology.sentinel(), "s");
    }

    /**
     * Two nodes on the topology under load; one Redis master is killed (SIGKILL) and a replica takes over. Sessions
     * stay readable throughout (a request whose Redis call fails is served by the database), every acknowledged
     * item is there afterwards, and the nodes saw the failure (breaker openings or Redis call errors).
     */
    private void failoverUnderLoad(Figures f, RedisTopology topology, String tag) throws Exception {
        started.add(topology);
        ports.addAll(topology.ports());
        Cluster c = new Cluster(2, topology);
        List<Shopper> shoppers = loggedIn(c, f, tag);
        AtomicInteger killed = new AtomicInteger();
        underLoad(c, shoppers, f, () -> {
            Thread.sleep(4_000);
            int master = topology.master();
            long keys = topology.keys(master);
            topology.kill(master);
            killed.set(master);
            long t0 = System.currentTimeMillis();
            int now = topology.awaitFailover(master, 30_000);
            f.note("master :" + master + " (" + keys + " keys) killed, :" + now + " took over within "
                    + (System.currentTimeMillis() - t0) + " ms");
            Thread.sleep(5_000);
        });
        f.note(f.serverErrors + " responses >= 500");
        finish(f);
        assertTrue(killed.get() > 0, "a master was killed: " + f);
        assertTrue(f.breakerOpenings + f.redisErrors > 0, "the nodes saw the master die: " + f);
        assertEquals(0, f.sessionsLost, f.toString());
        assertEquals(0, f.itemsLost, f.toString());
        assertEquals(0, f.serverErrors, "no 5xx: the database serves while Redis fails over: " + f);
    }

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
        for (Node n : c.nodes) n.stop();
        long keysBefore = c.redis.resp().keys("us:{*").size();
        f.note("Redis killed holding " + keysBefore + " sessions");
        assertTrue(keysBefore > 0, "Redis held sessions when it was killed: " + keysBefore);
        c.redis.kill();
        c.redis.start();
        assertEquals(0, c.redis.resp().keys("*").size(), "Redis is empty");
        for (Node n : c.nodes) n.start();
        verify(c, shoppers, f);
        f.note("Redis keys after the checks: " + c.redis.resp().keys("us:{*").size());
        f.note(c.observedFailures(f));
        finish(f);
        assertEquals(0, f.sessionsLost, f.toString());
        assertEquals(0, f.itemsLost, f.toString());
    }

    @Test
    @Order(6)
    void invalidateRacingAWriteOnAnotherNodeNeverResurrects() throws Exception {
        Figures f = new Figures("6. invalidate vs. write across nodes, 1,000 rounds");
        Cluster c = new Cluster(2);
        AtomicInteger resurrected = new AtomicInteger();
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
                        Shopper writer = s.sameCookie();
                        Shopper checker = s.sameCookie();
                        Future<Shopper.Call> out = pool.submit(() -> s.logout(c.nodes.get(0)));
                        Future<Shopper.Call> in = pool.submit(() -> writer.add(c.nodes.get(1)));
                        f.count(out.get());
                        f.count(in.get());
                        for (Node n : c.nodes) {
                            Shopper.Call check = checker.sameCookie().cart(n);
                            f.count(check);
                            if (Shopper.items(check) != -1) {
                                resurrected.incrementAndGet();
                                f.note("resurrected on " + n.name + ": " + s.user + " status=" + check.status() + " location=" + check.location() + " items=" + Shopper.items(check));
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
        f.note(resurrected.get() + " resurrected");
        finish(f);
        assertEquals(1000, f.sessionsChecked);
        assertEquals(0, resurrected.get(), f.toString());
        assertEquals(0, f.serverErrors, f.toString());
    }
}
