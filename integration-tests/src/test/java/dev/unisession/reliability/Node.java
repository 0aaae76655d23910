package dev.unisession.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One sample-webapp node: a JVM of its own (the README's runnable jar deploying the sample WAR) on a loopback port,
 * started, stopped with SIGTERM, or killed with SIGKILL.
 */
final class Node implements AutoCloseable {

    /** On every node's command line, so that a stray node can be found by its port ({@code pgrep -f}). */
    static final String MARKER = "-Dreliability.node.port=";

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final String name;
    final int port;
    private final Map<String, String> env;
    private final List<String> settings;
    private final Path log;
    private Process process;
    /** True from the moment {@link #start()} saw the node answer until a stop or kill begins. */
    private volatile boolean up;
    /** How many times the node was stopped or killed: a request under way when this changes met a going node. */
    private final java.util.concurrent.atomic.AtomicInteger downs = new java.util.concurrent.atomic.AtomicInteger();

    Node(String name, Map<String, String> env, List<String> settings) {
        this.name = name;
        this.port = freePort();
        this.env = env;
        this.settings = settings;
        try {
            this.log = Files.createTempFile("node-" + name, ".log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A loopback port free now, below the kernel's ephemeral range (32768 and up on Linux), and with room for a Redis
     * Cluster bus port (+10000) below it too: a port from the ephemeral range (what {@code new ServerSocket(0)} hands
     * out) can be taken as the local port of one of the many outgoing connections a scenario makes before the process
     * it was meant for binds it (seen once in CI: "Failed to bind to /127.0.0.1:38003").
     */
    static int freePort() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = random.nextInt(20_000, 22_768);
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(false);
                s.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port));
                return port;
            } catch (IOException e) {
                // taken: try another
            }
        }
        throw new IllegalStateException("no free loopback port between 20000 and 22767");
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    boolean alive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** Whether the node is up (started and answering, no stop or kill begun). */
    boolean up() {
        return up;
    }

    /** How many times the node was stopped or killed so far. */
    int downs() {
        return downs.get();
    }

    /** The process id of the node's JVM, or -1 while it has none. */
    long pid() {
        Process p = process;
        return p == null ? -1 : p.pid();
    }

    /** Marks the node as going down before any signal is sent, so that no request racing it is taken for a live one. */
    private void goingDown() {
        up = false;
        downs.incrementAndGet();
    }

    Node start() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                MARKER + port));
        cmd.addAll(settings);
        cmd.addAll(List.of("-jar", System.getProperty("it.unisession.sampleJar")));
        ProcessBuilder b = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        b.environment().putAll(env);
        b.environment().put("PORT", Integer.toString(port));
        b.environment().put("WAR_FILE", System.getProperty("it.unisession.sampleWar"));
        b.environment().remove("REDIS_URL");
        b.environment().remove("DATABASE_URL");
        b.environment().putAll(env);
        process = b.start();
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) throw new IllegalStateException("node " + name + " exited:\n" + log());
            try {
                HttpResponse<Void> r = HTTP.send(
                        HttpRequest.newBuilder(uri("/"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    up = true;
                    return this;
                }
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("node " + name + " did not come up:\n" + log());
    }

    /**
     * SIGTERM: the node shuts down cleanly (and writes out what waits for the database); SIGKILL after 60 s.
     * @return the exit code the process reported (143 for a JVM that ended on SIGTERM, 137 if it had to be killed),
     *     or -1 when there was no process
     */
    int stop() throws InterruptedException {
        Process p = process;
        if (p == null) return -1;
        goingDown();
        p.destroy();
        if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        process = null;
        return p.isAlive() ? -1 : p.exitValue();
    }

    /** SIGKILL. @return the exit code the killed process reported (137 on Linux) */
    int kill() throws InterruptedException {
        Process p = process;
        goingDown();
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
        process = null;
        return p.exitValue();
    }

    /** How often a line of the node's whole log contains {@code text}. */
    long logCount(String text) {
        try (var lines = Files.lines(log)) {
            return lines.filter(l -> l.contains(text)).count();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    /** Every line of the node's whole log that contains {@code text}, in order. */
    List<String> logLines(String text) {
        try (var lines = Files.lines(log)) {
            return lines.filter(l -> l.contains(text)).toList();
        } catch (IOException | UncheckedIOException e) {
            return List.of();
        }
    }

    /**
     * The first {@code max} lines of the node's log that contain {@code text}, each after the line before it (the
     * JDK logger's time stamp and logger name), for a failure's report.
     */
    List<String> logLinesInContext(String text, int max) {
        List<String> out = new java.util.ArrayList<>();
        try (var lines = Files.lines(log)) {
            String[] previous = {""};
            lines.forEachOrdered(l -> {
                if (out.size() < max && l.contains(text)) out.add(previous[0].strip() + " | " + l.strip());
                previous[0] = l;
            });
        } catch (IOException | UncheckedIOException e) {
            out.add(e.toString());
        }
        return out;
    }

    String log() {
        try {
            String s = Files.readString(log);
            return s.length() > 5000 ? s.substring(s.length() - 5000) : s;
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            goingDown();
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            process = null;
        }
    }
}
