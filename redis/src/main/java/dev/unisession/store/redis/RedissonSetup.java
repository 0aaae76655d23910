package dev.unisession.store.redis;

import dev.unisession.store.RedisSettings;
import java.io.File;
import java.io.IOException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.BaseConfig;
import org.redisson.config.BaseMasterSlaveServersConfig;
import org.redisson.config.Config;
import org.redisson.config.ReadMode;

/**
 * The Redisson configuration of {@link RedisStore}: a single server from {@code unisession.redis.url}, or the
 * operator's YAML (cluster, sentinel, replicated, TLS ...), with fail-fast timeouts where the YAML keeps Redisson's
 * defaults, one layer of retries (ours), reads from masters, and Netty threads sized for the host.
 */
final class RedissonSetup {

    private static final System.Logger LOG = System.getLogger(RedisStore.class.getName());

    private RedissonSetup() {}

    private static final int REDISSON_DEFAULT_NETTY_THREADS = 32;

    /**
     * Redisson's Netty event loops: one per 4 cores. Each call hands its command to an event loop and waits to be
     * woken by it; on a small host every further loop costs context switches, not throughput (stock Tomcat 11,
     * 2 cores, writes only: 4 loops 237 µs of server CPU per request, 2 loops 166-188 µs, 1 loop 102-123 µs).
     */
    private static int eventLoops() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 4);
    }

    /** The Redisson configuration: YAML if configured, else a single server; fail-fast timeouts; reads from master. */
    static Config config(RedisSettings cfg) {
        int timeout = (int) cfg.timeout().toMillis();
        int connect = (int) cfg.connectTimeout().toMillis();
        Config config;
        if (cfg.yamlFile() != null) {
            try {
                config = Config.fromYAML(new File(cfg.yamlFile()));
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException(
                        "Invalid value for unisession." + RedisSettings.CONFIG_SETTING + ": cannot read Redisson YAML '"
                                + cfg.yamlFile() + "': " + e.getMessage(),
                        e);
            }
            ServerSettings servers = new ServerSettings(config);
            BaseConfig<?> base = servers.base();
            if (base == null) {
                throw new IllegalArgumentException("Invalid value for unisession." + RedisSettings.CONFIG_SETTING
                        + ": the YAML names no servers (singleServerConfig, clusterServersConfig, ...)");
            }
            // Redisson's own defaults block for seconds on a dead server; replace those (not explicit values).
            if (base.getTimeout() == 3000) base.setTimeout(timeout);
            if (base.getConnectTimeout() == 10000) base.setConnectTimeout(connect);
            // One layer of retries, ours: Redisson would resend a script whose reply timed out (it may have run).
            base.setRetryAttempts(0);
            if (base instanceof BaseMasterSlaveServersConfig) {
                BaseMasterSlaveServersConfig<?> ms = (BaseMasterSlaveServersConfig<?>) base;
                if (ms.getReadMode() != ReadMode.MASTER) {
                    LOG.log(
                            System.Logger.Level.INFO,
                            "Redis readMode {0} replaced by MASTER: a session must be read "
                                    + "where it was just written",
                            ms.getReadMode());
                    ms.setReadMode(ReadMode.MASTER);
                }
            }
            config = servers.copy();
            if (config.getNettyThreads() == REDISSON_DEFAULT_NETTY_THREADS) config.setNettyThreads(eventLoops());
        } else {
            config = new Config();
            config.useSingleServer()
                    .setAddress(cfg.url())
                    .setTimeout(timeout)
                    .setConnectTimeout(connect)
                    .setRetryAttempts(0); // one layer of retries, ours (see above)
            // Sized for the host: Redisson's defaults (32 Netty threads, 64 + 24 connections) starve a small
            // machine's request threads, and a command that waits for the CPU to be written times out unsent.
            config.setNettyThreads(eventLoops());
            int connections = connections(cfg.maxInFlight());
            config.useSingleServer().setConnectionPoolSize(connections).setConnectionMinimumIdleSize(connections);
        }
        config.setLazyInitialization(true); // start even while Redis is down; calls fail fast until it is back
        // We pass bytes and strings only: no argument of ours is a Redisson live object, and checking each one for
        // the annotation (a class lookup per argument) cost ~3 % of a session creation's CPU.
        config.setReferenceEnabled(false);
        return config;
    }

    /**
     * Connections to a single Redis: 4 per core, at least 16, at most {@code maxInFlight} (a call holds its
     * connection until the reply, so more could not be used). Each acquire walks the pool's free connections (its
     * {@code ConcurrentLinkedDeque.size()}), and every connection is a socket Redis and the event loop serve: with
     * 64 connections (24 kept open) a new session cost a 2-core node 110-128 µs of CPU and it made 10.1-11.6k a
     * second, with 16 (all kept open) 88-120 µs and 10.9-14.7k (bench --tomcat --create, interleaved runs).
     *
     * <p>The calls let through ({@code redis.max-in-flight}, see {@link RedisCalls}) may outnumber the connections:
     * the rest wait in Redisson's pool, which hands a freed connection to the next without waking a thread, and fails
     * a wait longer than the response timeout as not sent (retried within the call's deadline). Capping the calls at
     * the connections instead parked each request thread twice (for a slot, then for the reply): with 64 request
     * threads and 16 connections that cost 20-50 µs of CPU per new session (bench --tomcat --create, five interleaved
     * pairs: median 117 against 152 µs, 9.2k against 7.6k sessions a second).
     */
    static int connections(int maxInFlight) {
        return Math.min(maxInFlight, Math.max(16, 4 * Runtime.getRuntime().availableProcessors()));
    }

    /**
     * A Redisson client made from {@code config}, on a task executor of ours (as Redisson's own: a fixed pool of its
     * configured size) so that {@link OwnClient#close()} can wait until its threads have ended.
     */
    static OwnClient connect(Config config) {
        JoinedThreads threads = new JoinedThreads("redisson-unisession");
        int size = config.getThreads() > 0
                ? config.getThreads()
                : 2 * Runtime.getRuntime().availableProcessors();
        ThreadPoolExecutor executor =
                new ThreadPoolExecutor(size, size, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), threads);
        config.setExecutor(executor);
        try {
            return new OwnClient(Redisson.create(config), executor, threads);
        } catch (RuntimeException e) {
            executor.shutdownNow();
            throw e;
        }
    }

    /** A Redisson client the store made (and closes), with the task executor it runs on. */
    static final class OwnClient {
        final RedissonClient client;
        private final ThreadPoolExecutor executor;
        private final JoinedThreads executorThreads;

        private OwnClient(RedissonClient client, ThreadPoolExecutor executor, JoinedThreads executorThreads) {
            this.client = client;
            this.executor = executor;
            this.executorThreads = executorThreads;
        }

        /** Shuts the client down and waits (a few seconds at most) until its threads have ended. */
        void close() {
            client.shutdown(0, 2, TimeUnit.SECONDS);
            // Netty reports the end of Redisson's event loops on its global executor, whose thread (a class of this
            // jar: it holds the application's class loader) only ends after a quiet-period task about a second
            // after Netty loaded. Run late, after an undeploy stopped the loader, that task fails to load a JDK
            // class through it, is not rescheduled, and the thread waits for good: one class loader kept per
            // redeploy (RedeployTest, found with a heap dump; hidden while jjwt happened to have looked up that
            // class in this loader). (About a second, at most three; not where Netty is on the JVM's class path,
            // whose loader is never stopped.)
            try {
                if (io.netty.util.concurrent.GlobalEventExecutor.class.getClassLoader()
                        != ClassLoader.getSystemClassLoader()) {
                    io.netty.util.concurrent.GlobalEventExecutor.INSTANCE.awaitInactivity(3, TimeUnit.SECONDS);
                }
            } catch (IllegalStateException e) {
                // never started: nothing to wait for
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            executor.shutdown();
            try {
                executor.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!executorThreads.join(2_000)) {
                LOG.log(System.Logger.Level.WARNING, "Redisson's executor threads did not end within 2 s");
            }
        }
    }

    /** Reads the server section of a Redisson config (its getters are protected). */
    static final class ServerSettings extends Config {
        ServerSettings(Config config) {
            super(config);
        }

        BaseConfig<?> base() {
            if (getClusterServersConfig() != null) return getClusterServersConfig();
            if (getSentinelServersConfig() != null) return getSentinelServersConfig();
            if (getReplicatedServersConfig() != null) return getReplicatedServersConfig();
            if (getMasterSlaveServersConfig() != null) return getMasterSlaveServersConfig();
            return getSingleServerConfig();
        }

        Config copy() {
            return this;
        }
    }
}
