package dev.unisession.store.redis;

import dev.unisession.store.RedisSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * Tells a gone Redis from a slow one, out of band: after a call ran out of time, a {@code PING} on a connection of
 * its own (not Redisson's pool, which a saturated node may be queueing on). Any reply, even an error such as
 * {@code NOAUTH}, means Redis is there and merely slow. Gone means a refused connection, or no reply to
 * {@link #PROBES} pings in a row, each given {@link #PING_TIMEOUT_MS}: a hung server (a stopped process, a dead
 * host whose connections hang) as well as a dead one. One probe runs at a time; its answer serves every caller for
 * {@link #ANSWER_MILLIS}.
 */
public final class RedisProbe {

    private static final System.Logger LOG = System.getLogger(RedisProbe.class.getName());
    static final int PROBES = 3;
    static final int PING_TIMEOUT_MS = 500;
    private static final long ANSWER_MILLIS = 1_000;
    private static final byte[] PING = "PING\r\n".getBytes(StandardCharsets.US_ASCII);

    private final String host;
    private final int port;
    private final int connectTimeoutMs;
    private final boolean tls;
    private long answeredAt; // 0: never asked
    private boolean gone;

    public RedisProbe(String host, int port, int connectTimeoutMs, boolean tls) {
        this.host = host;
        this.port = port;
        this.connectTimeoutMs = connectTimeoutMs;
        this.tls = tls;
    }

    /**
     * The probe for the configured server, or null when the configuration names several (cluster, sentinel,
     * replicated: YAML): then only Redisson's connection errors count as "gone", and a timeout stays "slow".
     */
    static RedisProbe of(RedisSettings cfg) {
        if (cfg.yamlFile() != null) return null;
        URI uri = URI.create(cfg.url());
        int port = uri.getPort() < 0 ? 6379 : uri.getPort();
        return new RedisProbe(
                uri.getHost(),
                port,
                (int) Math.max(100, cfg.connectTimeout().toMillis()),
                "rediss".equals(uri.getScheme()));
    }

    /** True when Redis does not answer at all (see above); waits for a probe under way rather than starting one. */
    public boolean gone() {
        return gone(0);
    }

    /** As {@link #gone()}, but with an answer found no earlier than {@code notBefore} (ms since the epoch). */
    public synchronized boolean gone(long notBefore) {
        long now = System.currentTimeMillis();
        if (now - answeredAt < ANSWER_MILLIS && answeredAt >= notBefore) return gone;
        gone = !answers();
        answeredAt = System.currentTimeMillis();
        if (gone) LOG.log(System.Logger.Level.WARNING, "Redis at {0}:{1} does not answer: taken as gone", host, port);
        return gone;
    }

    private boolean answers() {
        for (int i = 0; i < PROBES; i++) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), connectTimeoutMs);
                if (tls) return true; // a TLS server will not answer plain text; accepting the connection must do
                socket.setSoTimeout(PING_TIMEOUT_MS);
                OutputStream out = socket.getOutputStream();
                out.write(PING);
                out.flush();
                InputStream in = socket.getInputStream();
                if (in.read() >= 0) return true; // '+PONG', '-NOAUTH ...', '-LOADING ...': it is there
                return false; // closed without a word
            } catch (ConnectException e) {
                return false; // refused: nothing listens
            } catch (IOException e) {
                // timed out (connect or reply), reset: try again
            }
        }
        return false;
    }
}
