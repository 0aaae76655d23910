package dev.unisession.store;

import org.redisson.Redisson;
import org.redisson.api.BatchOptions;
import org.redisson.api.BatchResult;
import org.redisson.api.RBatch;
import org.redisson.api.RFuture;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.api.listener.StatusListener;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;
import org.redisson.connection.ConnectionListener;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sessions in Redis through Redisson: one hash per session, an expiry index in shards and a principal index.
 *
 * <p>Layout under the prefix {@code P} (default {@code us:}):
 * <ul>
 *   <li>{@code P{id}} — hash: {@code c} created, {@code a} last access, {@code m} max inactive, {@code v} version,
 *       {@code p} principal, {@code x} context, {@code f} fingerprint, {@code o} the last write's operation id,
 *       {@code e} the epoch it was written in (tiered store; absent before the first switch), and {@code .name} per
 *       attribute holding the codec's bytes. On a single master (or a replicated / Sentinel set-up) the hash has no TTL:
 *       the expiry index is the one record of when it ends, and every change to an index entry happens in the same
 *       script as the hash's (a write adds or moves it, a sweeper's claim takes the hash with it), so no hash is
 *       left behind without an entry. A TTL would cost each session ~40 bytes (an entry in Redis's expires table)
 *       for a guarantee the scripts already give, and would let a {@code volatile-*} eviction policy log users out.
 *       In a Redis Cluster, where the index and the hash live on different slots and cannot change in one script,
 *       the hash carries a TTL of its expiry plus a margin, so Redis frees it even if a sweeper dies between the
 *       two.</li>
 *   <li>{@code Px:0} … {@code Px:4095} — the expiry index: sorted sets of ids by expiry time, an id in shard
 *       {@link #expiryShard}; sessions that never expire are in none. Small shards stay in Redis's compact listpack
 *       encoding (up to 128 entries each: about 400,000 sessions in all; beyond, shards turn into skip lists and
 *       an entry costs ~130 bytes instead of ~40), and a sweep ranges over every shard in one script (in a
 *       Redis Cluster, one pipelined round trip). {@code Pexpiry}, the single index of earlier versions, is still drained by the sweepers.</li>
 *   <li>{@code Pp:principal} — set of ids of a principal (stale ids are dropped when read).</li>
 *   <li>{@code Pchanges} — pub/sub channel: {@code node:id} after every write, so near caches elsewhere drop it.</li>
 *   <li>{@code Pg} — the generation marker of the tiered store's CACHE epoch ({@code epoch:nonce}): gone or changed,
 *       Redis lost what the epoch wrote (see {@link #epoch(long)}).</li>
 * </ul>
 * A write is one pipelined round trip; the hash is written by a Lua script that applies the delta only if the
 * session still exists (or, for a new session, does not exist yet), so an ended session is never written back.
 * Values cross the wire as bytes (ByteArrayCodec, StringCodec); no Redisson object codec is used. Every call has
 * a short deadline and fails with {@link StoreUnavailableException} instead of blocking.
 */
public final class RedisStore implements CacheTier {

    private static final System.Logger LOG = System.getLogger(RedisStore.class.getName());

    static final String CREATED = "c";
    static final String ACCESSED = "a";
    static final String MAX_INACTIVE = "m";
    static final String VERSION = "v";
    static final String PRINCIPAL = "p";
    static final String CONTEXT = "x";
    static final String FINGERPRINT = "f";
    /** The id of the write applied last (see write.lua). */
    static final String OPERATION = "o";
    static final char ATTRIBUTE = '.';
    /**
     * The hash field of the application stamp ({@code SessionRecord.APPLICATION}), which every session carries: one
     * letter in place of the attribute's name (7 bytes of every hash; an earlier version reads it as metadata it
     * does not know, and ignores it).
     */
    static final String APPLICATION = "A";

    /** Keeps an expired hash this long past its expiry for the sweepers before Redis drops it. */
    static final long HASH_TTL_MARGIN_MS = TimeUnit.HOURS.toMillis(1);

    /**
     * How long a deleted session's id is remembered ({@code P{id}!}): a copy of it coming back from the database
     * within that time (a node that read it just before the delete) is refused.
     */
    static final long TOMBSTONE_MS = TimeUnit.SECONDS.toMillis(30);

    /** The epoch a hash was written in (see {@link #epoch(long)}); absent: 0. */
    static final String EPOCH = "e";

    // The scripts, read once from META-INF/unisession/redis/ (see LuaScripts), where each describes its KEYS, ARGV
    // and answers: a write (create or change, with its epoch and read guards, index updates and change notice), a
    // delete, taking a hash, claiming a due id, counting and listing due ids of the expiry index, a SCAN, the
    // generation check and adopting a generation.
    private static final String WRITE = LuaScripts.load("write");
    /**
     * {@link #WRITE}'s SHA-1, sent as EVALSHA by {@link #save}: Redisson's EVAL copies every argument into a new
     * buffer per call, for its own resend as EVAL should Redis answer NOSCRIPT (1.5 % of a new session's CPU in
     * bench/results/jfr-create.md); {@link #call} loads the scripts and resends itself instead.
     */
    private static final String WRITE_SHA = sha1Hex(WRITE);
    private static final String DELETE = LuaScripts.load("delete");
    private static final String TAKE = LuaScripts.load("take");
    private static final String CLAIM = LuaScripts.load("claim");
    private static final String COUNT = LuaScripts.load("count");
    private static final String DUE = LuaScripts.load("due");
    private static final String SCAN = LuaScripts.load("scan");
    private static final String CHECK = LuaScripts.load("check");
    private static final String ADOPT = LuaScripts.load("adopt");

    /** Shards of the expiry index ({@code Px:0} …): a fixed part of the layout, so that every node agrees on it. */
    static final int EXPIRY_SHARDS = 4096;

    private final RedissonClient redis;
    private final boolean ownsClient;
    private volatile TierTimer timer = TierTimer.NONE;
    private final String prefix;
    /** Every shard of the expiry index, and last the single index of earlier versions (drained by sweeps). */
    private final List<String> expiryKeys;
    private final String channel;
    private final long timeoutMs;
    private final int retries;
    private final long deadlineNanos;
    /** Bounds this node's Redis calls under way; a call waits for a slot within its deadline. */
    private final java.util.concurrent.Semaphore inFlight;
    private final RedisProbe probe;
    private final double touchFraction;
    private final Clock clock;
    private final String nodeId;
    private final AtomicLong roundTrips = new AtomicLong();
    private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean subscribed;
    private volatile boolean feedLive;
    private volatile long nextSubscribeAttempt;
    /** When (System.nanoTime) a Redis connection last closed. */
    private volatile long disconnectedAt = System.nanoTime() - TimeUnit.DAYS.toNanos(1);
    /** Hashes written in an earlier epoch count as absent (see {@link CacheTier#epoch}). */
    private volatile long epoch;
    /** The generation marker ({@code Pg}): see {@link #epoch(long)}. */
    private final String generationKey;
    /** The cache tier serves (tiered store, single master): writes and misses check the generation marker. */
    private volatile boolean armed;
    /** The generation this node adopted for its epoch ({@code epoch:nonce}), null: none yet. */
    private volatile String generation;
    /** Redis lost what this epoch wrote (see {@link #lostData()}), until the next {@link #epoch(long)}. */
    private volatile boolean lost;
    /**
     * A write updates the indexes and publishes its change in its own script: every key is on the one master. Not in
     * a Redis Cluster, where the indexes live on other slots than the session's hash.
     */
    private final boolean indexInScript;

    /**
     * @param touchFraction the grace, as a share of maxInactive, added to every expiry: a cache in front may skip
     *                      writing access times for that long, and no session may expire early because of it
     * @param timeout     how long one attempt waits for Redis's reply
     * @param retries     further attempts of a call that failed without evidence that Redis is gone (reads, and
     *                    writes, which are idempotent); Redisson itself never resends
     * @param deadline    how long a call may take in all, waiting for a slot among {@code maxInFlight} included
     * @param probe       tells a gone Redis from a slow one after a call ran out of time, or null to take every
     *                    timeout as "slow"
     */
    public RedisStore(RedissonClient redis, boolean ownsClient, String prefix, Duration timeout, int retries,
                      Duration deadline, int maxInFlight, RedisProbe probe, double touchFraction, Clock clock) {
        NettyThreadLocals.inUse();
        this.redis = redis;
        this.ownsClient = ownsClient;
        this.prefix = prefix;
        List<String> keys = new ArrayList<>(EXPIRY_SHARDS + 1);
        for (int i = 0; i < EXPIRY_SHARDS; i++) keys.add(prefix + "x:" + i);
        keys.add(prefix + "expiry");
        this.expiryKeys = List.copyOf(keys);
        this.channel = prefix + "changes";
        this.generationKey = prefix + "g";
        this.timeoutMs = timeout.toMillis();
        this.retries = retries;
        this.deadlineNanos = deadline.toNanos();
        this.inFlight = new java.util.concurrent.Semaphore(maxInFlight);
        this.probe = probe;
        this.touchFraction = touchFraction;
        this.clock = clock;
        this.indexInScript = !redis.getConfig().isClusterConfig();
        byte[] id = new byte[6];
        new SecureRandom().nextBytes(id);
        this.nodeId = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
    }

    /** Connects as configured: {@code unisession.redis.config} (YAML) or else {@code unisession.redis.url}. */
    public static RedisStore connect(RedisSettings cfg, Clock clock) {
        Config config = RedissonSetup.config(cfg);
        ReconnectRelay relay = new ReconnectRelay();
        config.setConnectionListener(relay);
        // Redisson's task executor, ours (as Redisson's own: a fixed pool of its configured size) so that closing
        // can wait until its threads have ended (see close).
        JoinedThreads threads = new JoinedThreads("redisson-unisession");
        int size = config.getThreads() > 0 ? config.getThreads() : 2 * Runtime.getRuntime().availableProcessors();
        java.util.concurrent.ThreadPoolExecutor executor = new java.util.concurrent.ThreadPoolExecutor(size, size, 0,
                TimeUnit.MILLISECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), threads);
        config.setExecutor(executor);
        RedissonClient client;
        try {
            client = Redisson.create(config);
        } catch (RuntimeException e) {
            executor.shutdownNow();
            throw e;
        }
        RedisStore store = new RedisStore(client, true, cfg.prefix(), cfg.timeout(), cfg.retries(), cfg.deadline(),
                cfg.maxInFlight(), RedisProbe.of(cfg), cfg.touchFraction(), clock);
        store.executor = executor;
        store.executorThreads = threads;
        relay.store = store;
        // Open a command connection now, without waiting: the first request should not pay for it (and, on a
        // busy host, see it exceed the short timeout). A dead Redis at start-up only logs here.
        client.getKeys().countExistsAsync(store.hashKey("warm-up")).whenComplete((n, e) -> {
            if (e != null) {
                LOG.log(System.Logger.Level.WARNING, "Redis not reachable at start-up (calls fail fast until it is): {0}",
                        e.toString());
            }
        });
        return store;
    }

    /** Tells the store when a connection comes back: change notices may have been missed. */
    private static final class ReconnectRelay implements ConnectionListener {
        volatile RedisStore store;

        @Override
        public void onConnect(InetSocketAddress addr) {
            RedisStore s = store;
            if (s != null) s.resetListeners();
        }

        @Override
        public void onDisconnect(InetSocketAddress addr) {
            RedisStore s = store;
            if (s != null) {
                s.disconnectedAt = System.nanoTime();
                s.feedLive = false;
                s.resetListeners();
            }
        }
    }

    String hashKey(String id) {
        return prefix + "{" + id + "}";
    }

    /** The shard of the expiry index that holds an id: a hash of the id (random, so shards fill evenly). */
    static int expiryShard(String id) {
        int h = id.hashCode();
        return ((h ^ (h >>> 16)) & 0x7fffffff) % EXPIRY_SHARDS;
    }

    private String expiryKey(String id) {
        return expiryKeys.get(expiryShard(id));
    }

    /** Same hash slot as the session's hash (a script may touch both in a cluster). */
    private String tombstoneKey(String id) {
        return hashKey(id) + "!";
    }

    private String principalKey(String principal) {
        return prefix + "p:" + principal;
    }

    /** Pipelined batches and single commands sent so far (each one network round trip). */
    public long roundTrips() {
        return roundTrips.get();
    }

    private long expiresAt(long lastAccessed, int maxInactive) {
        if (maxInactive <= 0) return Long.MAX_VALUE;
        return lastAccessed + maxInactive * 1000L + (long) (maxInactive * 1000L * touchFraction);
    }

    /**
     * Makes one Redis call and waits for it within the deadline. {@code send} starts the call afresh at each
     * attempt. A failure that is evidence of a gone Redis (connection refused or closed, no such node, a failover
     * under way) ends the call at once as {@link StoreUnavailableException.Kind#GONE}; a timeout — the reply was late,
     * or our side could not even send the command — is retried while the deadline allows, if {@code resendable} (a
     * command that was sent may have run: only idempotent ones are resent; one that was never sent always may be).
     * A call that ran out of time is {@link StoreUnavailableException.Kind#SLOW} or {@code OVERLOADED}, unless the
     * probe finds Redis not answering at all, which makes it GONE.
     */
    private <T> T call(String what, boolean resendable, java.util.function.Supplier<RFuture<T>> send) {
        roundTrips.incrementAndGet();
        long start = System.nanoTime();
        long deadline = start + deadlineNanos;
        Throwable failure = null;
        boolean acquired = false;
        try {
            try {
                acquired = inFlight.tryAcquire(deadlineNanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (!acquired) {
                StoreUnavailableException busy = new StoreUnavailableException(StoreUnavailableException.Kind.OVERLOADED,
                        "Redis " + what + " failed: no free slot among the calls in flight within "
                        + deadlineNanos / 1_000_000 + " ms", null);
                failure = busy;
                throw busy;
            }
            boolean reloaded = false;
            for (int attempt = 0; ; attempt++) {
                long left = deadline - System.nanoTime();
                Throwable cause;
                try {
                    RFuture<T> future = send.get();
                    // Redisson ends the attempt after its response timeout; the margin lets its own error arrive.
                    return await(future.toCompletableFuture(), Math.max(1, Math.min(left,
                            TimeUnit.MILLISECONDS.toNanos(timeoutMs + 100))), start);
                } catch (java.util.concurrent.ExecutionException | CompletionException e) {
                    cause = e.getCause() == null ? e : e.getCause();
                } catch (TimeoutException e) {
                    cause = new TimeoutException("no answer within " + timeoutMs + " ms");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    cause = e;
                } catch (RuntimeException e) {
                    cause = e;
                }
                failure = cause;
                if (noScript(cause) && (!reloaded || attempt < retries) && System.nanoTime() < deadline) {
                    // Redis lacks the script (a new server, a restart, SCRIPT FLUSH, a promoted replica): load them
                    // again and resend, once even without retries (the script never ran).
                    reloaded = true;
                    failure = null; // not a failure of Redis: not counted as one
                    loadScripts(deadline);
                    continue;
                }
                StoreUnavailableException.Kind kind = kind(cause);
                boolean sent = kind != StoreUnavailableException.Kind.OVERLOADED;
                boolean again = !(cause instanceof InterruptedException) && attempt < retries
                        && (resendable || !sent) && System.nanoTime() < deadline
                        && (kind != StoreUnavailableException.Kind.GONE || failingOver(cause));
                if (again) continue;
                if (kind != StoreUnavailableException.Kind.GONE && !(cause instanceof InterruptedException)
                        && probe != null && probe.gone()) {
                    kind = StoreUnavailableException.Kind.GONE;
                }
                throw new StoreUnavailableException(kind, "Redis " + what + " failed (" + kind + "): " + cause, cause);
            }
        } finally {
            if (acquired) inFlight.release();
            timer.record(System.nanoTime() - start, failure);
        }
    }

    /**
     * Waits for a reply. Redisson keeps a command sent on a connection that then closed until its response timeout;
     * when a connection closed during the wait, or the reply is later than {@link #PROBE_AFTER_NANOS}, and the probe
     * (its answer no older than the call) finds Redis gone, the wait ends there, as GONE, instead of running out the
     * timeout: a killed Redis refuses the probe's connection at once. A slow one answers the probe and is waited for.
     */
    private <T> T await(java.util.concurrent.CompletableFuture<T> reply, long nanos, long sentAfter)
            throws java.util.concurrent.ExecutionException, InterruptedException, TimeoutException {
        long until = System.nanoTime() + nanos;
        long sentAtMillis = System.currentTimeMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAfter);
        for (;;) {
            long left = until - System.nanoTime();
            try {
                return reply.get(Math.max(1, Math.min(left, AWAIT_SLICE_NANOS)), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                long now = System.nanoTime();
                if (now >= until) throw e;
                boolean suspect = disconnectedAt - sentAfter >= 0 || now - sentAfter >= PROBE_AFTER_NANOS;
                if (probe != null && suspect && probe.gone(sentAtMillis)) {
                    throw new java.util.concurrent.ExecutionException(new org.redisson.client.RedisConnectionException(
                            "no reply, and Redis does not answer a probe"));
                }
            }
        }
    }

    private static final long AWAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long PROBE_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    /** Waits for a call whose reply is only an acknowledgement (resendable). */
    private void run(String what, java.util.function.Supplier<RFuture<?>> send) {
        call(what, true, send::get);
    }

    /**
     * Gone: a connection-level fact, or a failover under way (the master is down). Slow: the command was sent and
     * its reply is late. Overloaded: our side could not send it in time (no free connection, a starved event loop).
     */
    static StoreUnavailableException.Kind kind(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof org.redisson.client.RedisResponseTimeoutException || c instanceof TimeoutException
                    || c instanceof java.util.concurrent.CancellationException || c instanceof InterruptedException) {
                return StoreUnavailableException.Kind.SLOW;
            }
            if (c instanceof org.redisson.client.RedisTimeoutException) return StoreUnavailableException.Kind.OVERLOADED;
            // Redis answered: a missing script is not a gone server.
            if (c instanceof org.redisson.client.RedisNoScriptException) return StoreUnavailableException.Kind.SLOW;
        }
        return StoreUnavailableException.Kind.GONE;
    }

    /** A script's SHA-1 as Redis names it (lower-case hex of its UTF-8 bytes). */
    private static String sha1Hex(String script) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1")
                    .digest(script.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is a required JDK algorithm", e);
        }
    }

    private static boolean noScript(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof org.redisson.client.RedisNoScriptException) return true;
        }
        return false;
    }

    /** Loads every script this store runs (on every master), best effort: the resend tells. */
    private void loadScripts(long deadline) {
        // Sent at once and awaited together, within the caller's deadline (nanoTime).
        List<java.util.concurrent.CompletableFuture<String>> loads = new ArrayList<>();
        for (String script : List.of(WRITE, DELETE, TAKE, CLAIM, SCAN)) {
            loads.add(redis.getScript(StringCodec.INSTANCE).scriptLoadAsync(script).toCompletableFuture());
        }
        for (java.util.concurrent.CompletableFuture<String> load : loads) {
            try {
                load.get(Math.max(1, Math.min(TimeUnit.MILLISECONDS.toNanos(timeoutMs), deadline - System.nanoTime())),
                        TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.ExecutionException | TimeoutException | RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "Cannot load a script into Redis: {0}", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** A failover under way answers soon: worth another attempt within the deadline. */
    private static boolean failingOver(Throwable t) {
        return t instanceof org.redisson.client.RedisRetryException
                || t instanceof org.redisson.client.RedisReadonlyException
                || t instanceof org.redisson.client.RedisReconnectedException;
    }

    @Override
    public void timeTiers(java.util.function.Function<String, TierTimer> timers) {
        timer = timers.apply("redis");
    }

    @Override
    public Page list(String cursor, int max) {
        String match = prefix.replaceAll("([*?\\[\\]\\\\])", "\\\\$1") + "{*}";
        List<org.redisson.connection.MasterSlaveEntry> masters = masters();
        if (masters != null) return listMasters(masters, cursor, max, match);
        String next = cursor == null ? "0" : cursor;
        List<String> ids = new ArrayList<>();
        do {
            String from = next;
            List<Object> flat = call("list", true, () -> redis.getScript(StringCodec.INSTANCE).<List<Object>>evalAsync(
                    RScript.Mode.READ_ONLY, SCAN, RScript.ReturnType.LIST, List.of(), from, match,
                    Integer.toString(Math.max(10, max))));
            next = (String) flat.get(0);
            for (int i = 1; i < flat.size(); i++) {
                String key = (String) flat.get(i);
                ids.add(key.substring(prefix.length() + 1, key.length() - 1));
            }
        } while (ids.size() < max && !next.equals("0"));
        List<SessionRecord> out = new ArrayList<>(loadAll(ids).values());
        return new Page(out, next.equals("0") ? null : next);
    }

    /**
     * The masters of a Redis Cluster in a fixed order (by address), or null on a single master (or Sentinel), where
     * one SCAN sees every key. A keyless command in a Cluster goes to one master: a listing must visit each.
     */
    private List<org.redisson.connection.MasterSlaveEntry> masters() {
        if (indexInScript || !(redis instanceof org.redisson.Redisson)) return null;
        List<org.redisson.connection.MasterSlaveEntry> out = new ArrayList<>(((org.redisson.Redisson) redis)
                .getCommandExecutor().getConnectionManager().getEntrySet());
        out.sort(java.util.Comparator.comparing(e -> String.valueOf(e.getClient().getAddr())));
        return out;
    }

    /**
     * {@link #list} across a Cluster's masters: the cursor is {@code master:scan cursor}, the masters taken in turn.
     * A failover or resharding between two pages may skip or repeat some sessions (as SCAN itself may).
     */
    private Page listMasters(List<org.redisson.connection.MasterSlaveEntry> masters, String cursor, int max,
                             String match) {
        int master = 0;
        String scan = "0";
        if (cursor != null) {
            int colon = cursor.indexOf(':');
            try {
                master = Integer.parseInt(cursor.substring(0, Math.max(0, colon)));
                scan = cursor.substring(colon + 1);
                Long.parseUnsignedLong(scan);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Not a cursor of this listing: " + cursor);
            }
            if (master < 0 || master >= masters.size()) {
                throw new IllegalArgumentException("Not a cursor of this listing (the cluster has "
                        + masters.size() + " masters): " + cursor);
            }
        }
        org.redisson.command.CommandAsyncExecutor executor = ((org.redisson.Redisson) redis).getCommandExecutor();
        List<String> ids = new ArrayList<>();
        while (ids.size() < max && master < masters.size()) {
            org.redisson.connection.MasterSlaveEntry entry = masters.get(master);
            String from = scan;
            org.redisson.client.protocol.decoder.ListScanResult<String> r = call("list", true,
                    () -> executor.<org.redisson.client.protocol.decoder.ListScanResult<String>,
                            org.redisson.client.protocol.decoder.ListScanResult<String>>readAsync(entry.getClient(),
                            entry, StringCodec.INSTANCE, org.redisson.client.protocol.RedisCommands.SCAN, from,
                            "MATCH", match, "COUNT", Math.max(10, max)));
            for (String k : r.getValues()) ids.add(k.substring(prefix.length() + 1, k.length() - 1));
            scan = r.getPos();
            if (scan.equals("0")) master++;
        }
        List<SessionRecord> out = new ArrayList<>(loadAll(ids).values());
        return new Page(out, master >= masters.size() ? null : master + ":" + scan);
    }

    @Override
    public long count() {
        long now = clock.millis();
        if (indexInScript) { // one command; Redis counts every shard
            List<Object> keys = new ArrayList<>(expiryKeys);
            return call("count", true, () -> redis.getScript(StringCodec.INSTANCE).<Long>evalAsync(
                    expiryKeys.get(0), RScript.Mode.READ_ONLY, COUNT, RScript.ReturnType.LONG, keys,
                    Long.toString(now)));
        }
        List<RFuture<Integer>> counts = new ArrayList<>(expiryKeys.size());
        execute("count", true, batch -> {
            counts.clear();
            for (String key : expiryKeys) {
                counts.add(batch.getScoredSortedSet(key, StringCodec.INSTANCE)
                        .countAsync(now, false, Double.POSITIVE_INFINITY, true));
            }
        });
        long n = 0;
        for (RFuture<Integer> c : counts) n += c.toCompletableFuture().join();
        return n;
    }

    @Override
    public int deleteAllOf(String principal) {
        String key = principalKey(principal);
        Set<Object> ids = call("deleteAllOf", true, () -> redis.getSet(key, StringCodec.INSTANCE).readAllAsync());
        List<RFuture<Long>> deleted = new ArrayList<>();
        execute("deleteAllOf", true, batch -> {
            deleted.clear();
            for (Object o : ids) {
                String id = (String) o;
                deleted.add(batch.getKeys().deleteAsync(hashKey(id)));
                batch.getScoredSortedSet(expiryKey(id), StringCodec.INSTANCE).removeAsync(id);
                publish(batch, id);
            }
            batch.getKeys().deleteAsync(key);
        });
        int n = 0;
        for (RFuture<Long> f : deleted) n += f.toCompletableFuture().join().intValue();
        return n;
    }

    @Override
    public List<TierHealth> probe() {
        return List.of(TierHealth.measure("redis", TierHealth.Role.PRIMARY, this::count));
    }

    private RBatch batch() {
        return redis.createBatch(BatchOptions.defaults()
                .responseTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                .retryAttempts(0));
    }

    /** One pipelined batch as a {@link #call}: {@code fill} queues its commands afresh at each attempt. */
    private void execute(String what, boolean resendable, java.util.function.Consumer<RBatch> fill) {
        call(what, resendable, () -> {
            RBatch batch = batch();
            fill.accept(batch);
            return batch.executeAsync();
        });
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public SessionRecord load(String id) {
        if (!subscribed && !listeners.isEmpty()) trySubscribe();
        Map<Object, Object> hash = call("load", true,
                () -> redis.getMap(hashKey(id), ByteArrayCodec.INSTANCE).readAllMapAsync());
        if (hash.isEmpty()) return null;
        SessionRecord r = parse(id, hash);
        if (r == null) return null;
        return clock.millis() >= expiresAt(r.lastAccessedAt(), r.maxInactiveSeconds()) ? null : r;
    }

    /** Every session in one pipelined round trip. */
    @Override
    public Map<String, SessionRecord> loadAll(Collection<String> ids) {
        if (ids.isEmpty()) return Map.of();
        Map<String, RFuture<Map<Object, Object>>> hashes = new LinkedHashMap<>();
        execute("loadAll", true, batch -> {
            for (String id : ids) hashes.put(id, batch.getMap(hashKey(id), ByteArrayCodec.INSTANCE).readAllMapAsync());
        });
        long now = clock.millis();
        Map<String, SessionRecord> out = new LinkedHashMap<>();
        hashes.forEach((id, f) -> {
            Map<Object, Object> hash = f.toCompletableFuture().join();
            SessionRecord r = hash.isEmpty() ? null : parse(id, hash);
            if (r != null && now < expiresAt(r.lastAccessedAt(), r.maxInactiveSeconds())) out.put(id, r);
        });
        return out;
    }

    /** The hash field of an attribute. */
    private static byte[] field(String attribute) {
        return attribute.equals(SessionRecord.APPLICATION) ? utf8(APPLICATION)
                : utf8(ATTRIBUTE + attribute);
    }

    /**
     * A record from the hash's fields; null when the hash is from an earlier epoch (it counts as absent) and
     * (logged) when the metadata is damaged.
     */
    private SessionRecord parse(String id, Map<?, ?> hash) {
        Map<String, String> meta = new LinkedHashMap<>();
        Map<String, byte[]> attrs = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : hash.entrySet()) {
            String field = new String((byte[]) e.getKey(), StandardCharsets.UTF_8);
            byte[] value = (byte[]) e.getValue();
            if (!field.isEmpty() && field.charAt(0) == ATTRIBUTE) {
                attrs.put(field.substring(1), value);
            } else if (field.equals(APPLICATION)) {
                attrs.put(SessionRecord.APPLICATION, value);
            } else {
                meta.put(field, new String(value, StandardCharsets.UTF_8));
            }
        }
        try {
            if (Long.parseLong(meta.getOrDefault(EPOCH, "0")) < epoch) return null;
            // no creation time: the session has not been written since it was made, at its access time
            return new SessionRecord(id, meta.get(PRINCIPAL), meta.get(CONTEXT),
                    Long.parseLong(meta.getOrDefault(CREATED, meta.get(ACCESSED))),
                    Long.parseLong(meta.get(ACCESSED)), Integer.parseInt(meta.get(MAX_INACTIVE)),
                    Long.parseLong(meta.getOrDefault(VERSION, "0")), meta.get(FINGERPRINT), attrs);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Session record in Redis has damaged metadata and is ignored: {0}",
                    e.toString());
            return null;
        }
    }

    private SessionRecord parse(String id, List<?> flat) {
        Map<Object, Object> hash = new LinkedHashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) hash.put(flat.get(i), flat.get(i + 1));
        return parse(id, hash);
    }

    @Override
    public SaveResult save(SessionDelta d) {
        return SaveResult.of(save(d, operationId()));
    }

    /** As {@link #save(SessionDelta)} with the write's operation id: the same id twice applies the delta once. */
    long save(SessionDelta d, String operation) {
        List<Object> set = new ArrayList<>();
        List<Object> del = new ArrayList<>();
        set.add(utf8(ACCESSED));
        set.add(utf8(Long.toString(d.lastAccessedAt())));
        set.add(utf8(MAX_INACTIVE));
        set.add(utf8(Integer.toString(d.maxInactiveSeconds())));
        if (d.created()) {
            // Written at creation, as every earlier version needs it to read the hash (a rolling upgrade runs both);
            // a hash without it is read with its access time (a later version may leave it out of a new hash).
            set.add(utf8(CREATED));
            set.add(utf8(Long.toString(d.createdAt())));
            long e = epoch;
            if (e > 0) { // epoch 0 (before any switch) costs no field
                set.add(utf8(EPOCH));
                set.add(utf8(Long.toString(e)));
            }
            if (d.baseVersion() > 0) { // a copy keeps counting from its version (the script adds one)
                set.add(utf8(VERSION));
                set.add(utf8(Long.toString(d.baseVersion())));
            }
        }
        if (d.created() || d.metadataChanged()) {
            List<Object> unset = d.created() ? null : del; // a new hash has nothing to delete
            meta(set, unset, PRINCIPAL, d.principal());
            meta(set, unset, CONTEXT, d.context());
            meta(set, unset, FINGERPRINT, d.fingerprint());
        }
        d.changed().forEach((name, bytes) -> {
            set.add(field(name));
            set.add(bytes);
        });
        for (String name : d.removed()) del.add(field(name));

        long expires = expiresAt(d.lastAccessedAt(), d.maxInactiveSeconds());
        boolean indexPrincipal = d.principal() != null && (d.created() || d.metadataChanged());
        long v;
        if (indexInScript) {
            String key = hashKey(d.id());
            List<Object> keys = writeKeys(d.id(), indexPrincipal ? d.principal() : null);
            Object[] args = writeArgs(d.id(), mode(d), expires, operation, true, guard(d), set, del);
            // Resendable: the script recognises its own operation id.
            v = call("save", true, () -> redis.getScript(ByteArrayCodec.INSTANCE).<Long>evalShaAsync(key,
                    RScript.Mode.READ_WRITE, WRITE_SHA, RScript.ReturnType.LONG, keys, args));
        } else {
            List<RFuture<Long>> applied = new ArrayList<>(1);
            // Resendable: the script recognises its own operation id, and the other commands are idempotent.
            execute("save", true, batch -> {
                applied.clear();
                applied.add(writeHash(batch, d.id(), mode(d), expires, operation, guard(d), set, del, null));
                if (expires == Long.MAX_VALUE) {
                    batch.getScoredSortedSet(expiryKey(d.id()), StringCodec.INSTANCE).removeAsync(d.id());
                } else {
                    batch.getScoredSortedSet(expiryKey(d.id()), StringCodec.INSTANCE).addAsync(expires, d.id());
                }
                if (indexPrincipal) batch.getSet(principalKey(d.principal()), StringCodec.INSTANCE).addAsync(d.id());
                if (!fresh(d)) publish(batch, d.id());
            });
            v = applied.get(0).toCompletableFuture().join();
        }
        if (v == -4) throw lostData("save");
        if (v == -3) throw StoreUnavailableException.conflict(d.id(), d.expected().keySet());
        if (v == -2) throw behind();
        return v;
    }

    private static void meta(List<Object> set, List<Object> del, String field, String value) {
        if (value == null) {
            if (del != null) del.add(utf8(field));
        } else {
            set.add(utf8(field));
            set.add(utf8(value));
        }
    }

    /** A fresh id for one write (see write.lua); unique enough among a session's writes, not a secret. */
    private static String operationId() {
        // 42 random bits in 7 characters: two writes of one session never share an id in practice, and the hash
        // stays within its memory size class (each byte counts: every session carries one).
        return Long.toString(java.util.concurrent.ThreadLocalRandom.current().nextLong(1L << 36, 1L << 42), 36)
                .substring(0, 7);
    }

    /**
     * write.lua queued in a batch: on a single master with its index updates (and the principal's set, if
     * given), in a Redis Cluster without them (the batch makes them).
     */
    private RFuture<Long> writeHash(RBatch batch, String id, String mode, long expiresAt, String operation,
                                    List<Object> guard, List<Object> set, List<Object> del, String principal) {
        String key = hashKey(id);
        return batch.getScript(ByteArrayCodec.INSTANCE).evalAsync(key, RScript.Mode.READ_WRITE, WRITE,
                RScript.ReturnType.LONG, indexInScript ? writeKeys(id, principal) : List.of(key, tombstoneKey(id)),
                writeArgs(id, mode, expiresAt, operation, indexInScript, guard, set, del));
    }

    /** write.lua's KEYS with index updates: the hash, its tombstone, its expiry shard, the principal's set. */
    private List<Object> writeKeys(String id, String principal) {
        String key = hashKey(id);
        return principal != null
                ? List.of(key, tombstoneKey(id), expiryKey(id), generationKey, principalKey(principal))
                : List.of(key, tombstoneKey(id), expiryKey(id), generationKey);
    }

    /** write.lua's mode for a delta: update, create, or create of a new session ({@link #fresh}). */
    private static String mode(SessionDelta d) {
        return !d.created() ? "u" : fresh(d) ? "n" : "c";
    }

    /**
     * A delta that creates a session from nothing (not a copy of one another tier held, which keeps its version):
     * its id was just made, so no node can have it cached and no change notice is needed.
     */
    private static boolean fresh(SessionDelta d) {
        return d.created() && d.baseVersion() == 0;
    }

    /** write.lua's guard arguments for a write that is built on no read: nothing to check. */
    private static final List<Object> NO_GUARD = List.of(utf8("0"), utf8("0"));

    /**
     * write.lua's guard arguments for a delta: its base version, then each attribute it expects
     * ({@link SessionDelta#expected()}) with the SHA-1 of the bytes it read (hex, as Lua's {@code redis.sha1hex}).
     */
    static List<Object> guard(SessionDelta d) {
        if (d.expected().isEmpty()) return NO_GUARD;
        List<Object> out = new ArrayList<>(2 + 2 * d.expected().size());
        out.add(utf8(Long.toString(d.baseVersion())));
        out.add(utf8(Integer.toString(d.expected().size())));
        java.security.MessageDigest sha1;
        try {
            sha1 = java.security.MessageDigest.getInstance("SHA-1");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is a required JDK algorithm", e);
        }
        d.expected().forEach((name, bytes) -> {
            out.add(field(name));
            out.add(utf8(bytes.length == 0 ? "" : java.util.HexFormat.of().formatHex(sha1.digest(bytes))));
        });
        return out;
    }

    /**
     * write.lua's ARGV; {@code index}: the script updates the indexes and publishes the change; {@code guard}:
     * see {@link #guard}.
     */
    private Object[] writeArgs(String id, String mode, long expiresAt, String operation, boolean index,
                               List<Object> guard, List<Object> set, List<Object> del) {
        Object[] args = new Object[9 + guard.size() + set.size() + del.size()];
        args[0] = utf8(mode);
        // A TTL only where the index cannot change in the same script as the hash (see the class comment).
        args[1] = utf8(Long.toString(indexInScript || expiresAt == Long.MAX_VALUE ? 0 : expiresAt + HASH_TTL_MARGIN_MS));
        args[2] = utf8(operation);
        args[3] = utf8(index ? generationArg() : Long.toString(epoch));
        args[4] = utf8(Integer.toString(set.size() / 2));
        args[5] = utf8(!index ? "" : expiresAt == Long.MAX_VALUE ? "0" : Long.toString(expiresAt));
        args[6] = utf8(id);
        args[7] = utf8(index ? channel : "");
        args[8] = utf8(index ? changeMessage(id) : "");
        int i = 9;
        for (Object o : guard) args[i++] = o;
        for (Object o : set) args[i++] = o;
        for (Object o : del) args[i++] = o;
        return args;
    }

    private void publish(RBatch batch, String id) {
        batch.getTopic(channel, StringCodec.INSTANCE).publishAsync(changeMessage(id));
    }

    /** What this node publishes on the change channel when it changed a session: its node id, then the session's. */
    private String changeMessage(String id) {
        return nodeId + ":" + id;
    }

    @Override
    public boolean changeId(String oldId, String newId) {
        // Not resendable: a resent TAKE would find nothing (the first one took the hash).
        List<Object> flat = call("changeId", false, () -> redis.getScript(ByteArrayCodec.INSTANCE).<List<Object>>evalAsync(
                hashKey(oldId), RScript.Mode.READ_WRITE, TAKE, RScript.ReturnType.LIST,
                List.of(hashKey(oldId), tombstoneKey(oldId)), (Object) utf8(Long.toString(TOMBSTONE_MS))));
        if (flat == null || flat.isEmpty()) return false;
        SessionRecord r = parse(oldId, flat);
        if (r == null) return false; // from an earlier epoch (absent), or damaged: taken, not moved
        List<Object> set = new ArrayList<>(flat.size());
        for (Object o : flat) set.add(o);
        long expires = expiresAt(r.lastAccessedAt(), r.maxInactiveSeconds());
        String operation = operationId();
        List<RFuture<Long>> applied = new ArrayList<>(1);
        execute("changeId", true, batch -> {
            applied.clear();
            // On a single master the script indexes the new id with its hash (no hash without an index entry).
            applied.add(writeHash(batch, newId, "c", expires, operation, NO_GUARD, set, List.of(), r.principal()));
            batch.getScoredSortedSet(expiryKey(oldId), StringCodec.INSTANCE).removeAsync(oldId);
            if (!indexInScript && expires != Long.MAX_VALUE) {
                batch.getScoredSortedSet(expiryKey(newId), StringCodec.INSTANCE).addAsync(expires, newId);
            }
            if (r.principal() != null) {
                batch.getSet(principalKey(r.principal()), StringCodec.INSTANCE).removeAsync(oldId);
                if (!indexInScript) batch.getSet(principalKey(r.principal()), StringCodec.INSTANCE).addAsync(newId);
            }
            publish(batch, oldId);
        });
        long moved = applied.get(0).toCompletableFuture().join();
        if (moved == -4) throw lostData("changeId");
        return moved > 0;
    }

    @Override
    public boolean delete(String id) {
        String key = hashKey(id);
        String operation = operationId();
        List<RFuture<Long>> deleted = new ArrayList<>(1);
        execute("delete", true, batch -> {
            deleted.clear();
            deleted.add(batch.getScript(StringCodec.INSTANCE).evalAsync(key, RScript.Mode.READ_WRITE, DELETE,
                    RScript.ReturnType.LONG, List.of(key, tombstoneKey(id)), Long.toString(TOMBSTONE_MS), operation,
                    indexInScript ? principalKey("") : "", id));
            batch.getScoredSortedSet(expiryKey(id), StringCodec.INSTANCE).removeAsync(id);
            publish(batch, id);
        });
        return deleted.get(0).toCompletableFuture().join() == 1L;
    }

    @Override
    public boolean tombstoned(String id) {
        if (armed) return checked("tombstoned", tombstoneKey(id)) > 0;
        return call("tombstoned", true, () -> redis.getKeys().countExistsAsync(tombstoneKey(id))) > 0;
    }

    @Override
    public boolean knows(String id) {
        if (armed) return checked("knows", hashKey(id), tombstoneKey(id)) > 0;
        return call("knows", true, () -> redis.getKeys().countExistsAsync(hashKey(id), tombstoneKey(id))) > 0;
    }

    /** How many of the keys exist, after checking the generation marker (check.lua). */
    private long checked(String what, String... keys) {
        long n = check(what, keys);
        if (n == -4) throw lostData(what);
        if (n == -2) throw behind();
        return n;
    }

    /** check.lua's answer: -4, -2, or how many of the keys exist. */
    private long check(String what, String... keys) {
        String g = generationArg();
        List<Object> all = new ArrayList<>(keys.length + 1);
        all.add(generationKey);
        all.addAll(List.of(keys));
        return call(what, true, () -> redis.getScript(StringCodec.INSTANCE).<Long>evalAsync(generationKey,
                RScript.Mode.READ_WRITE, CHECK, RScript.ReturnType.LONG, all, g));
    }

    /**
     * As a cache tier: a non-negative epoch is the CACHE state this node serves in from now on; a negative one says
     * that the database serves (nothing is written here until the next epoch).
     *
     * <p>Redis may lose what it holds without any node seeing it gone: restarted empty faster than a heartbeat or a
     * timed-out call notices (a supervisor restarts it within a second), or flushed. Sessions read through from the
     * database then would lack every write still waiting in some node's write-behind queue. So each CACHE epoch has
     * a generation in Redis ({@code Pg}, {@code epoch:nonce}), set once by the node that moves the cluster into the
     * epoch, before any node enters it ({@link #openEpoch(long)}); a node entering the epoch adopts the marker of
     * that epoch and never sets one: a missing marker means lost. (Entering nodes used to set a missing marker: a
     * node that entered after Redis had restarted empty took the empty Redis for the epoch's own and read sessions
     * through from the database without the writes still queued on the nodes that entered before; reliability
     * scenario 9 lost an item that way.) Every write, every miss that would read through,
     * and every heartbeat check that the marker still holds what this node adopted (the write and the check in the
     * same script). If it does not, Redis lost the epoch's writes: the call fails as GONE, and this node reports
     * the loss ({@link #lostData()}) until the next epoch, which moves the cluster through the barrier into the
     * database (every queue written out) whatever the other nodes see. A node that could not adopt at its entry
     * (Redis down) adopts later. Costs one GET inside each
     * write script, nothing on reads served from Redis or the near cache. Not in a Redis Cluster (the marker would
     * be on another slot than the session's hash): there only a master seen gone switches.
     */
    @Override
    public void epoch(long epoch) {
        generation = null;
        lost = false;
        if (epoch < 0) {
            armed = false;
            return;
        }
        this.epoch = epoch;
        armed = indexInScript;
        if (!armed) return;
        try {
            adopt();
        } catch (StoreUnavailableException e) {
            LOG.log(System.Logger.Level.DEBUG, "Cannot adopt the generation of epoch {0} yet: {1}", epoch,
                    e.toString());
        }
    }

    /**
     * Sets the generation marker of the CACHE epoch the cluster is about to enter: see {@link #epoch(long)}. One
     * attempt within {@code redis.timeout}, no resend and no probe: it runs inside the heartbeat transaction that
     * holds the cluster's mode row, which other nodes' heartbeats wait for.
     */
    @Override
    public void openEpoch(long epoch) {
        if (!indexInScript) return;
        String fresh = epoch + ":" + operationId();
        try {
            String m = sendAdopt(epoch, fresh, true).toCompletableFuture().get(timeoutMs, TimeUnit.MILLISECONDS);
            if ("!behind".equals(m)) {
                LOG.log(System.Logger.Level.WARNING, "Redis holds the generation marker of a later epoch than the "
                        + "cluster''s {0} ({1}): was the database''s us_mode row restored or removed while Redis kept "
                        + "its keys? Every write fails until the marker ({1}) is deleted or the epochs agree", epoch,
                        generationKey);
            }
        } catch (java.util.concurrent.ExecutionException | TimeoutException | RuntimeException e) {
            // Every node entering the epoch finds no marker and reports the loss: the cluster goes back.
            LOG.log(System.Logger.Level.INFO, "Cannot mark Redis as epoch {0}''s: {1}", epoch, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Redis lost what this node's epoch wrote: see {@link #epoch(long)}. */
    @Override
    public boolean lostData() {
        return lost;
    }

    /** write.lua's and check.lua's generation argument: the adopted generation, or the bare epoch. */
    private String generationArg() {
        if (!armed) return Long.toString(epoch);
        String g = generation;
        return g != null ? g : adopt();
    }

    private String adopt() {
        long e = epoch;
        String m = call("adopt", true, () -> sendAdopt(e, "", false));
        if ("!lost".equals(m)) throw lostData("adopt");
        if ("!behind".equals(m)) throw behind();
        if (epoch == e && armed) generation = m;
        return m;
    }

    /** adopt.lua for an epoch: {@code open}, the marker {@code fresh} is set where none is; else only read. */
    private RFuture<String> sendAdopt(long epoch, String fresh, boolean open) {
        return redis.getScript(StringCodec.INSTANCE).evalAsync(generationKey, RScript.Mode.READ_WRITE, ADOPT,
                RScript.ReturnType.VALUE, List.of(generationKey), Long.toString(epoch), fresh, open ? "1" : "0");
    }

    private StoreUnavailableException lostData(String what) {
        if (!lost) {
            lost = true;
            LOG.log(System.Logger.Level.WARNING, "Redis lost the sessions it held in epoch {0} (restarted empty or "
                    + "flushed: its generation marker {1} is not the one this node adopted, seen by {2}): the cluster "
                    + "switches to the database", epoch, generationKey, what);
        }
        return new StoreUnavailableException(StoreUnavailableException.Kind.GONE, "Redis lost the sessions it held "
                + "(restarted empty or flushed)", null);
    }

    private StoreUnavailableException behind() {
        return new StoreUnavailableException(StoreUnavailableException.Kind.SLOW, "Redis holds session data of a "
                + "later epoch than this node's (" + epoch + "): it has not caught up with the cluster's mode", null);
    }

    /**
     * One O(1) command on every master (DBSIZE; in a cluster, on each; while the generation marker is checked, its
     * script on the one master): does every one of them answer?
     */
    @Override
    public Boolean answers() {
        try {
            if (armed) {
                // One script both asks the (single) master and checks that it did not lose what this epoch wrote
                // (a marker of a later epoch: this node is behind, which is no loss).
                if (!lost && check("probe") == -4) lostData("probe");
            } else {
                call("probe", true, () -> redis.getKeys().countAsync());
            }
            return lost ? Boolean.FALSE : Boolean.TRUE;
        } catch (StoreUnavailableException e) {
            return lost || e.kind() == StoreUnavailableException.Kind.GONE ? Boolean.FALSE : null;
        }
    }

    @Override
    public Set<String> findIdsByPrincipal(String principal) {
        String key = principalKey(principal);
        Set<Object> ids = call("findIdsByPrincipal", true,
                () -> redis.getSet(key, StringCodec.INSTANCE).readAllAsync());
        if (ids.isEmpty()) return Set.of();
        List<String> list = new ArrayList<>();
        for (Object o : ids) list.add((String) o);
        // Each hash's principal, not only its existence: a session that changed hands (another user logged in on
        // it) stays in the first user's set until read here, and must not be listed (or evicted) as theirs.
        List<RFuture<String>> owners = new ArrayList<>();
        execute("findIdsByPrincipal", true, batch -> {
            owners.clear();
            for (String id : list) {
                owners.add(batch.<String, String>getMap(hashKey(id), StringCodec.INSTANCE).getAsync(PRINCIPAL));
            }
        });
        Set<String> live = new HashSet<>();
        List<Object> stale = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (principal.equals(owners.get(i).toCompletableFuture().join())) live.add(list.get(i));
            else stale.add(list.get(i));
        }
        if (!stale.isEmpty()) redis.getSet(key, StringCodec.INSTANCE).removeAllAsync(stale);
        return live;
    }

    /**
     * Ranges over every shard of the expiry index in one script (in a Redis Cluster, a pipelined round trip of one
     * range per shard), then claims the due ids in a second round trip. On a single master each claim takes the hash in the same script (and announces the change), so a
     * sweeper that dies halfway leaves no hash without an index entry; in a Redis Cluster, where shard and hash
     * are on different slots, a third round trip takes the claimed hashes (their TTL covers a sweeper that dies
     * between the two).
     */
    @Override
    public List<SessionRecord> claimExpired(long now, int max) {
        // Shards are taken from a different one each time, so a backlog larger than one batch drains evenly.
        int start = java.util.concurrent.ThreadLocalRandom.current().nextInt(expiryKeys.size());
        List<String> ids = new ArrayList<>();
        List<String> shards = new ArrayList<>();
        if (indexInScript) { // one command ranges over every shard
            List<Object> keys = new ArrayList<>(expiryKeys);
            List<Object> due = call("claimExpired", true, () -> redis.getScript(StringCodec.INSTANCE)
                    .<List<Object>>evalAsync(expiryKeys.get(0), RScript.Mode.READ_ONLY, DUE, RScript.ReturnType.LIST,
                            keys, Long.toString(now), Integer.toString(max), Integer.toString(start)));
            for (int i = 0; i + 1 < due.size(); i += 2) {
                shards.add(expiryKeys.get(Integer.parseInt(due.get(i).toString())));
                ids.add(due.get(i + 1).toString());
            }
        } else {
            List<RFuture<Collection<Object>>> ranges = new ArrayList<>(expiryKeys.size());
            execute("claimExpired", true, batch -> {
                ranges.clear();
                for (String key : expiryKeys) {
                    ranges.add(batch.getScoredSortedSet(key, StringCodec.INSTANCE)
                            .valueRangeAsync(Double.NEGATIVE_INFINITY, true, now, true, 0, max));
                }
            });
            for (int k = 0; k < expiryKeys.size() && ids.size() < max; k++) {
                int i = (start + k) % expiryKeys.size();
                for (Object o : ranges.get(i).toCompletableFuture().join()) {
                    if (ids.size() == max) break;
                    ids.add((String) o);
                    shards.add(expiryKeys.get(i));
                }
            }
        }
        if (ids.isEmpty()) return List.of();
        byte[] at = utf8(Long.toString(now));
        byte[] tombstone = utf8(Long.toString(TOMBSTONE_MS));
        Map<String, RFuture<List<Object>>> taken = new LinkedHashMap<>();
        if (indexInScript) {
            // Not resent: a resent claim would find its work done and answer "not mine".
            execute("claimExpired", false, claims -> {
                taken.clear();
                for (int i = 0; i < ids.size(); i++) {
                    String id = ids.get(i);
                    String key = hashKey(id);
                    taken.put(id, claims.getScript(ByteArrayCodec.INSTANCE).evalAsync(key, RScript.Mode.READ_WRITE,
                            CLAIM, RScript.ReturnType.LIST, List.of(shards.get(i), key, tombstoneKey(id)),
                            utf8(id), at, tombstone));
                    publish(claims, id);
                }
            });
        } else {
            List<RFuture<Long>> won = new ArrayList<>();
            execute("claimExpired", false, claims -> {
                won.clear();
                for (int i = 0; i < ids.size(); i++) {
                    won.add(claims.getScript(StringCodec.INSTANCE).evalAsync(shards.get(i), RScript.Mode.READ_WRITE,
                            CLAIM, RScript.ReturnType.LONG, List.of(shards.get(i)), ids.get(i), Long.toString(now)));
                }
            });
            List<String> claimed = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                if (won.get(i).toCompletableFuture().join() == 1L) claimed.add(ids.get(i));
            }
            if (claimed.isEmpty()) return List.of();
            execute("claimExpired", false, takes -> {
                taken.clear();
                for (String id : claimed) {
                    String key = hashKey(id);
                    taken.put(id, takes.getScript(ByteArrayCodec.INSTANCE).evalAsync(key, RScript.Mode.READ_WRITE,
                            TAKE, RScript.ReturnType.LIST, List.of(key, tombstoneKey(id)), (Object) tombstone));
                    publish(takes, id);
                }
            });
        }
        List<SessionRecord> out = new ArrayList<>();
        taken.forEach((id, f) -> {
            List<Object> flat = f.toCompletableFuture().join();
            SessionRecord r = flat == null || flat.isEmpty() ? null : parse(id, flat);
            if (r != null) {
                if (r.principal() != null) redis.getSet(principalKey(r.principal()), StringCodec.INSTANCE)
                        .removeAsync(id);
                out.add(r);
            }
        });
        return out;
    }

    @Override
    public void addChangeListener(ChangeListener listener) {
        listeners.add(listener);
        trySubscribe();
    }

    @Override
    public boolean isChangeFeedLive() {
        return feedLive;
    }

    /** Subscribes to the change channel; while Redis is down, retried at most every few seconds. */
    private synchronized void trySubscribe() {
        long now = System.nanoTime();
        if (subscribed || now < nextSubscribeAttempt) return;
        nextSubscribeAttempt = now + TimeUnit.SECONDS.toNanos(5);
        try {
            var topic = redis.getTopic(channel, StringCodec.INSTANCE);
            topic.addListener(new StatusListener() {
                @Override
                public void onSubscribe(String ch) {
                    feedLive = true;
                    resetListeners(); // first subscription and every re-subscription after a reconnect
                }

                @Override
                public void onUnsubscribe(String ch) {
                    feedLive = false;
                    resetListeners();
                }
            });
            topic.addListener(String.class, (ch, msg) -> {
                int colon = msg.indexOf(':');
                if (colon < 0 || msg.substring(0, colon).equals(nodeId)) return;
                String id = msg.substring(colon + 1);
                for (ChangeListener l : listeners) l.changed(id);
            });
            subscribed = true;
            feedLive = true;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Cannot subscribe to Redis channel {0} yet (near caches stay "
                    + "bypassed until it works): {1}", channel, e.toString());
        }
    }

    private void resetListeners() {
        for (ChangeListener l : listeners) l.reset();
    }

    /** Redisson's task executor when {@link #connect} made the client (null otherwise), and its threads. */
    private java.util.concurrent.ExecutorService executor;
    private JoinedThreads executorThreads;

    @Override
    public void close() {
        if (!ownsClient) return;
        redis.shutdown(0, 2, TimeUnit.SECONDS);
        // Netty reports the end of Redisson's event loops on its global executor, whose thread (a class of this
        // jar: it holds the application's class loader) only ends after a quiet-period task about a second after
        // Netty loaded. Run late, after an undeploy stopped the loader, that task fails to load a JDK class through
        // it, is not rescheduled, and the thread waits for good: one class loader kept per redeploy (RedeployTest,
        // found with a heap dump; hidden while jjwt happened to have looked up that class in this loader).
        // (About a second, at most three; not where Netty is on the JVM's class path, whose loader is never stopped.)
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
        if (executor != null) {
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
}
