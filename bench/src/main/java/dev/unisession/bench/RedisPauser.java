package dev.unisession.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** Pauses a private redis-server (never the shared one on 6379) with SIGSTOP / SIGCONT during a load run. */
final class RedisPauser {
    private static final System.Logger LOG = System.getLogger(RedisPauser.class.getName());

    private final long pausePid;
    private final long pauseMs;
    private final long pauseEveryMs;
    private final AtomicInteger pauses = new AtomicInteger();

    RedisPauser(long pausePid, long pauseMs, long pauseEveryMs) throws IOException {
        checkPausable(pausePid);
        this.pausePid = pausePid;
        this.pauseMs = pauseMs;
        this.pauseEveryMs = pauseEveryMs;
    }

    int pauses() {
        return pauses.get();
    }

    /** Refuses to signal anything but a redis-server that is not the shared one on 6379. */
    private static void checkPausable(long pid) throws IOException {
        Path cmdline = Path.of("/proc", Long.toString(pid), "cmdline");
        String cmd = Files.isReadable(cmdline)
                ? new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8).replace('\0', ' ')
                : "";
        if (!cmd.contains("redis-server") || cmd.contains(":6379") || cmd.matches(".*--port 6379\\b.*")) {
            throw new IllegalArgumentException("pid " + pid + " is not a private redis-server: '" + cmd.trim() + "'");
        }
    }

    /** SIGSTOPs the server for {@code pauseMs} every {@code pauseEveryMs} while {@code running}; SIGCONT at the end. */
    void run(AtomicBoolean running) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> signal("CONT")));
        try {
            while (running.get()) {
                Thread.sleep(pauseEveryMs - pauseMs);
                if (!running.get()) break;
                signal("STOP");
                pauses.incrementAndGet();
                try {
                    Thread.sleep(pauseMs);
                } finally {
                    signal("CONT");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            signal("CONT");
        }
    }

    private void signal(String sig) {
        try {
            Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pausePid))
                    .redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            p.waitFor();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "kill -{0} {1} failed: {2}", sig, pausePid, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
