package dev.unisession.reliability;

import dev.unisession.testing.Resp;
import dev.unisession.testing.Services;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Redis servers of the test's own on spare loopback ports, in one of the shapes users run: a Redis Cluster of
 * masters with a replica each, or a master and replica watched by sentinels. Each server can be killed (SIGKILL);
 * closing kills every one. {@link #redissonYaml()} is the Redisson configuration a node is given to reach it.
 */
final class RedisTopology implements AutoCloseable {

    static final String MASTER_NAME = "unisession";

    private final Path dir;
    private final Map<Integer, Process> servers = new LinkedHashMap<>();
    private final List<Integer> sentinels = new ArrayList<>();
    private String yaml;

    private RedisTopology(Path dir) {
        this.dir = dir;
    }

    /** {@code masters} cluster masters with one replica each, slots assigned, state ok everywhere. */
    static RedisTopology cluster(int masters) throws Exception {
        RedisTopology t = new RedisTopology(Files.createTempDirectory("redis-cluster"));
        try {
            List<String> addresses = new ArrayList<>();
            for (int i = 0; i < masters * 2; i++) {
                int port = Node.freePort();
                t.start(
                        port,
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        "nodes-" + port + ".conf",
                        "--cluster-node-timeout",
                        "1000",
                        "--cluster-replica-validity-factor",
                        "0");
                addresses.add("127.0.0.1:" + port);
            }
            List<String> create = new ArrayList<>(List.of(redisCli(), "--cluster", "create"));
            create.addAll(addresses);
            create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            Process p = new ProcessBuilder(create)
                    .redirectErrorStream(true)
                    .redirectOutput(t.dir.resolve("create.log").toFile())
                    .start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(
                        "redis-cli --cluster create failed:\n" + Files.readString(t.dir.resolve("create.log")));
            }
            for (int port : t.servers.keySet()) {
                await(
                        () -> info(port, "CLUSTER", "INFO").contains("cluster_state:ok"),
                        30_000,
                        "cluster state ok on " + port);
            }
            StringBuilder y = new StringBuilder("clusterServersConfig:\n  scanInterval: 500\n  nodeAddresses:\n");
            for (String a : addresses) y.append("  - \"redis://").append(a).append("\"\n");
            return t.withYaml(y.toString());
        } catch (Exception | Error e) {
            t.close();
            throw e;
        }
    }

    /** A master, one replica, and three sentinels (quorum 2) that fail over after 1 s without the master. */
    static RedisTopology sentinel() throws Exception {
        RedisTopology t = new RedisTopology(Files.createTempDirectory("redis-sentinel"));
        try {
            int master = Node.freePort();
            t.start(master);
            int replica = Node.freePort();
            t.start(replica, "--replicaof", "127.0.0.1", Integer.toString(master));
            await(() -> info(master, "INFO", "replication").contains("connected_slaves:1"), 30_000, "replica attached");
            StringBuilder y = new StringBuilder("sentinelServersConfig:\n  masterName: \"" + MASTER_NAME
                    + "\"\n  scanInterval: 500\n  checkSentinelsList: false\n  sentinelAddresses:\n");
            for (int i = 0; i < 3; i++) {
                int port = Node.freePort();
                Path conf = t.dir.resolve("sentinel-" + port + ".conf");
                Files.writeString(
                        conf,
                        String.join(
                                "\n",
                                "port " + port,
                                "bind 127.0.0.1",
                                "dir " + t.dir,
                                "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + master + " 2",
                                "sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
                                "sentinel failover-timeout " + MASTER_NAME + " 5000",
                                "sentinel parallel-syncs " + MASTER_NAME + " 1",
                                ""));
                t.startWith(port, List.of(conf.toString(), "--sentinel"));
                t.sentinels.add(port);
                y.append("  - \"redis://127.0.0.1:").append(port).append("\"\n");
            }
            for (int s : t.sentinels) {
                await(
                        () -> info(s, "INFO", "sentinel").contains("slaves=1,sentinels=3"),
                        30_000,
                        "sentinel " + s + " sees the replica and the other sentinels");
            }
            return t.withYaml(y.toString());
        } catch (Exception | Error e) {
            t.close();
            throw e;
        }
    }

    private RedisTopology withYaml(String text) throws IOException {
        Path file = dir.resolve("redisson.yaml");
        Files.writeString(file, text);
        yaml = file.toString();
        return this;
    }

    private static String redisCli() {
        String server = Services.redisServerBinary();
        String cli = new File(new File(server).getParentFile(), "redis-cli").getPath();
        if (!new File(cli).canExecute()) Services.unavailable("redis-cli", "apt-get install -y redis-tools");
        return cli;
    }

    private void start(int port, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                dir.toString(),
                "--daemonize",
                "no"));
        args.addAll(List.of(extra));
        startWith(port, args);
    }

    private void startWith(int port, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Services.redisServerBinary());
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis-" + port + ".log").toFile())
                .start();
        servers.put(port, p);
        Resp r = new Resp(port);
        await(r::ping, 10_000, "redis-server on " + port);
    }

    private static String info(int port, Object... command) {
        try {
            Object o = new Resp(port).call(command);
            return o instanceof byte[]
                    ? new String((byte[]) o, java.nio.charset.StandardCharsets.UTF_8)
                    : String.valueOf(o);
        } catch (UncheckedIOException e) {
            return "";
        }
    }

    private static void await(BooleanSupplier condition, long millis, String what) {
        org.awaitility.Awaitility.await(what)
                .atMost(java.time.Duration.ofMillis(millis))
                .pollInterval(java.time.Duration.ofMillis(100))
                .pollInSameThread()
                .until(condition::getAsBoolean);
    }

    /** The Redisson YAML file that reaches these servers. */
    String redissonYaml() {
        return yaml;
    }

    /** Every port a server of this topology listens on. */
    List<Integer> ports() {
        return new ArrayList<>(servers.keySet());
    }

    /** The port of a live master: the sentinels' current master, or a cluster master. */
    int master() {
        if (!sentinels.isEmpty()) {
            Object reply = new Resp(sentinels.get(0)).call("SENTINEL", "get-master-addr-by-name", MASTER_NAME);
            List<?> addr = (List<?>) reply;
            return Integer.parseInt(new String((byte[]) addr.get(1), java.nio.charset.StandardCharsets.UTF_8));
        }
        for (int port : servers.keySet()) {
            if (servers.get(port).isAlive() && info(port, "INFO", "replication").contains("role:master")) return port;
        }
        throw new IllegalStateException("no live master");
    }

    /** Keys held by a server (the session hashes and indexes it has). */
    long keys(int port) {
        Object n = new Resp(port).call("DBSIZE");
        return n instanceof Long ? (Long) n : -1;
    }

    /** SIGKILL of one server. @return the exit code it reported (137 for a server that died of SIGKILL) */
    int kill(int port) throws InterruptedException {
        Process p = servers.get(port);
        p.destroyForcibly();
        if (!p.waitFor(10, TimeUnit.SECONDS)) throw new IllegalStateException("redis-server " + port + " still runs");
        return p.exitValue();
    }

    /** "master" or "slave" as the server reports it in INFO replication, or "" when it does not answer. */
    static String role(int port) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("(?m)^role:(\\w+)").matcher(info(port, "INFO", "replication"));
        return m.find() ? m.group(1) : "";
    }

    /** The live server replicating {@code master} (a cluster master's replica, or the sentinels' replica). */
    int replicaOf(int master) {
        for (int port : servers.keySet()) {
            if (port == master || sentinels.contains(port) || !servers.get(port).isAlive()) continue;
            String replication = info(port, "INFO", "replication");
            if (replication.contains("role:slave") && replication.contains("master_port:" + master + "\r\n")) {
                return port;
            }
        }
        throw new IllegalStateException("no replica of " + master);
    }

    /**
     * Waits until {@code replica} has taken over from the killed master: it calls itself master, and (cluster) the
     * cluster marks the killed one failed and is ok again, or (sentinel) the sentinels name it as the master.
     * @return the new master's port, which is {@code replica}
     */
    int awaitFailover(int killed, int replica, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            if ("master".equals(role(replica))) {
                if (!sentinels.isEmpty()) {
                    try {
                        if (master() == replica) return replica;
                    } catch (RuntimeException e) {
                        // a sentinel between answers
                    }
                } else {
                    String nodes = info(replica, "CLUSTER", "NODES");
                    boolean failedSeen = nodes.lines()
                            .anyMatch(
                                    l -> l.contains(":" + killed + "@") && l.contains("fail") && !l.contains("fail?"));
                    if (failedSeen && info(replica, "CLUSTER", "INFO").contains("cluster_state:ok")) return replica;
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("no failover within " + millis + " ms after killing " + killed
                + ": its replica " + replica + " reports role " + role(replica));
    }

    @Override
    public void close() {
        for (Process p : servers.values()) {
            p.destroyForcibly();
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
