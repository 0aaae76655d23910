package dev.unisession.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A redis-server of the test's own on a free loopback port, to kill and restart (empty) or to count commands on
 * without other traffic. Never the shared server.
 */
public final class PrivateRedis implements AutoCloseable {

    private final int port;
    private final Path dir;
    private Process process;

    public PrivateRedis() {
        this.port = freePort();
        try {
            this.dir = Files.createTempDirectory("private-redis");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        start();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts (or starts again, empty) on the same port. */
    public synchronized void start() {
        String bin = Services.redisServerBinary();
        try {
            process = new ProcessBuilder(
                            bin,
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
                            "no")
                    .redirectErrorStream(true)
                    .redirectOutput(new File(dir.toFile(), "redis.log"))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Resp r = resp();
        for (int i = 0; i < 100 && !r.ping(); i++) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (!r.ping()) throw new IllegalStateException("private redis-server did not start on port " + port);
    }

    /** kill -9. */
    public synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    /** SIGSTOP: the server keeps its data but answers nothing (a hung or partitioned Redis) until resumed. */
    public synchronized void pause() {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public synchronized void resume() {
        signal("CONT");
    }

    private void signal(String sig) {
        try {
            Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).start();
            if (p.waitFor() != 0) throw new IllegalStateException("kill -" + sig + " failed");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public Resp resp() {
        return new Resp(port);
    }

    @Override
    public void close() {
        kill();
    }
}
