package dev.unisession.store.jpa;

import dev.unisession.store.DaemonScheduler;
import dev.unisession.store.StoreUnavailableException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Which tier serves sessions, decided once for the whole cluster: a row in the database ({@link ModeRow}) that
 * every node reads and changes under its lock in a heartbeat transaction, and one row per node ({@link NodeRow})
 * with its lease, what it sees of the cache tier and the last switch it acknowledged. See docs/tiered.md.
 *
 * <pre>
 *   CACHE(e) --majority of live nodes see the cache tier gone--&gt; TO_DATABASE(e+1)
 *   TO_DATABASE --every live node stopped its cache-tier work and wrote out its queue--&gt; DATABASE(e+2)
 *   DATABASE --majority of live nodes have seen the cache tier answer for returnAfter--&gt; TO_CACHE(e+3)
 *   TO_CACHE --every live node stopped its database work--&gt; CACHE(e+4)
 * </pre>
 *
 * A switch is a barrier: a node acknowledges it only once no request of the old mode is under way on it (and,
 * towards the database, once its write-behind queue is written out); the cluster moves on when every live node has
 * acknowledged, or its lease has lapsed. A node serves from the database only while its own lease holds; in CACHE
 * mode it goes on serving from the cache tier with a lapsed lease (the database is unreachable: no switch can
 * happen without it, and the write-behind queue keeps the changes), see docs/tiered.md for what that allows. A node that sees the cache tier gone while most do not does
 * not switch anything: its requests fail (503) and its health is DOWN, so a balancer takes it out.
 */
final class ClusterMode implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ClusterMode.class.getName());

    /** The cluster's state. Serving states are CACHE and DATABASE; the others are barriers between them. */
    enum State {
        CACHE,
        TO_DATABASE,
        DATABASE,
        TO_CACHE
    }

    /** Timings: see the {@code unisession.tiered.*} settings. */
    record Settings(Duration lease, Duration heartbeat, Duration returnAfter, Duration switchWait) {}

    private static final long URGENT_MILLIS = 50;
    private static final long LEASE_MARGIN_MILLIS = 250;

    private final ModeTable table;
    private final ModeParticipant participant;
    private final long leaseMillis;
    private final long heartbeatMillis;
    private final long switchWaitMillis;
    private final long returnWaitNanos; // a request's wait for this node's return to the cache tier
    private final boolean coordinated;
    private final DaemonScheduler ticker;
    private final AtomicBoolean urgentQueued = new AtomicBoolean();
    private final Object lock = new Object();
    private final LongAdder inCache = new LongAdder();
    private final LongAdder inDatabase = new LongAdder();
    private final AtomicLong switches = new AtomicLong();
    private final AtomicLong heartbeats = new AtomicLong();

    /** The state this node serves in (CACHE or DATABASE), or null while it switches or has not started. */
    private volatile State serving;

    private volatile long servingEpoch = -1;
    private volatile State lastServed;
    /** The cluster's state as last read. */
    private volatile State seen;
    /** The epoch of the last switch this node completed its barrier for. */
    private volatile long acked = -1;
    /** Until when (this node's clock) its lease holds. */
    private volatile long leaseUntil;
    /** Since when this node sees the cache tier gone (0: it does not); since when it answers (0: it does not). */
    private volatile long goneSince;

    private volatile long okSince;
    private volatile long enteredAt; // System.nanoTime() when this node entered the state it serves in
    private volatile boolean closed;
    private volatile String lastProblem;

    /**
     * @param coordinated false for a cache tier in this JVM (memory), which is never gone: the mode stays CACHE
     *                    and nothing is written to the database
     */
    ClusterMode(JpaStore db, String cluster, ModeParticipant participant, Settings settings, boolean coordinated) {
        this.participant = participant;
        this.leaseMillis = settings.lease().toMillis();
        this.heartbeatMillis = settings.heartbeat().toMillis();
        this.switchWaitMillis = settings.switchWait().toMillis();
        this.returnWaitNanos = settings.lease().plus(settings.heartbeat()).toNanos();
        this.coordinated = coordinated;
        byte[] id = new byte[12];
        new SecureRandom().nextBytes(id);
        String nodeId = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
        this.table = new ModeTable(
                db, cluster, nodeId, leaseMillis, settings.returnAfter().toMillis(), participant::opening);
        if (!coordinated) {
            serving = State.CACHE;
            seen = State.CACHE;
            servingEpoch = 0;
            leaseUntil = Long.MAX_VALUE;
            ticker = null;
            return;
        }
        ticker = new DaemonScheduler("unisession-mode");
    }

    /** Joins the cluster: one heartbeat now (so that a node starts serving at once), then every heartbeat. */
    void start() {
        if (!coordinated) return;
        tick();
        ticker.scheduleWithFixedDelay(this::tick, heartbeatMillis, heartbeatMillis, TimeUnit.MILLISECONDS);
    }

    /** The cluster's state as this node last read it, and the state this node serves in (null: switching). */
    State seen() {
        return seen;
    }

    State serving() {
        return serving;
    }

    /** The epoch of the state this node serves in (stable between {@link #enter} and {@link #exit}). */
    long servingEpoch() {
        return servingEpoch;
    }

    /** Switches this node has made (entering a serving state other than the one before). */
    long switches() {
        return switches.get();
    }

    /**
     * This node cannot serve sessions: it sees the cache tier gone while the cluster keeps it (it is alone), or
     * its lease has lapsed, or it has been switching for longer than it may make a request wait.
     */
    boolean down() {
        long now = System.currentTimeMillis();
        State s = serving;
        if (s == null) return true;
        if (s == State.DATABASE) return now >= leaseUntil;
        return goneSince != 0 && now - goneSince > switchWaitMillis;
    }

    /** Why the node is down, for the health endpoint. */
    String problem() {
        long now = System.currentTimeMillis();
        if (serving == null) return "switching to " + seen;
        if (serving == State.DATABASE && now >= leaseUntil) {
            return "lease lapsed (cannot reach the database): " + lastProblem;
        }
        if (goneSince != 0) return "cache tier gone for this node only; the cluster keeps it";
        return null;
    }

    /**
     * Enters the state this node serves in, waiting (until {@code deadlineNanos}) while it switches or its lease
     * is being renewed. A return to the cache tier is no failure, and its barrier waits for every live node's next
     * heartbeat: a request waits through it for up to a lease and a heartbeat (the longest a barrier can take),
     * however soon its deadline. Every {@code enter} is paired with an {@link #exit}.
     */
    State enter(long deadlineNanos) {
        long until = deadlineNanos;
        boolean returning = false;
        for (; ; ) {
            State s = serving;
            // In CACHE mode a lapsed lease (the database unreachable) does not stop the node: the cluster cannot
            // switch without the database either, and the write-behind queue keeps the changes until it is back.
            if (s == State.CACHE || s != null && System.currentTimeMillis() < leaseUntil) {
                LongAdder count = s == State.CACHE ? inCache : inDatabase;
                count.increment();
                if (serving == s) return s;
                count.decrement();
            }
            if (!returning && serving == null && (seen == State.TO_CACHE || seen == State.CACHE)) {
                returning = true; // on its way back to the cache tier
                until = later(until, System.nanoTime() + returnWaitNanos);
            }
            if (!await(until)) {
                String why = problem();
                throw new StoreUnavailableException(
                        StoreUnavailableException.Kind.SLOW,
                        "The session store cannot serve on this node yet: " + (why == null ? "switching" : why),
                        null);
            }
        }
    }

    void exit(State s) {
        (s == State.CACHE ? inCache : inDatabase).decrement();
    }

    /**
     * A request saw the cache tier gone (outside {@link #enter}/{@link #exit}): reports it and waits until this
     * node has left the CACHE state of {@code epoch} (the cluster switched) or {@code deadlineNanos}, which counts
     * from no earlier than this node's entry into that state (a request that waited through the return to it has its
     * whole wait for the switch). False when the cluster did not switch in time, or this node has been alone with a
     * gone cache tier for longer than {@code switchWait}: the request fails.
     */
    boolean awaitSwitch(long epoch, long deadlineNanos) {
        if (!coordinated) return false;
        long now = System.currentTimeMillis();
        if (goneSince == 0) goneSince = now;
        urgent();
        long until = Math.min(
                later(deadlineNanos, enteredAt + TimeUnit.MILLISECONDS.toNanos(switchWaitMillis)),
                System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, goneSince + switchWaitMillis - now)));
        for (; ; ) {
            if (serving != State.CACHE || servingEpoch != epoch) return true;
            if (!await(until)) return false;
        }
    }

    private static long later(long nanos, long otherNanos) {
        return nanos - otherNanos > 0 ? nanos : otherNanos;
    }

    private boolean await(long deadlineNanos) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) return false;
        synchronized (lock) {
            try {
                lock.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), URGENT_MILLIS)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** A heartbeat now (a request waits for a switch, or this node just acknowledged one). */
    private void urgent() {
        tickIn(0);
    }

    /** A heartbeat shortly (a switch is under way: until every node has acknowledged it). */
    private void soon() {
        tickIn(URGENT_MILLIS);
    }

    /** One extra heartbeat after {@code millis}, unless one is queued already. */
    private void tickIn(long millis) {
        if (ticker == null || closed || !urgentQueued.compareAndSet(false, true)) return;
        try {
            ticker.schedule(
                    () -> {
                        urgentQueued.set(false);
                        tick();
                    },
                    millis,
                    TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            urgentQueued.set(false);
        }
    }

    /** One heartbeat: ask the cache tier, renew the lease and report, move the cluster on if due, follow it. */
    private void tick() {
        if (closed) return;
        try {
            Boolean answers = participant.cacheAnswers();
            boolean lostData = participant.cacheLostData();
            long now = System.currentTimeMillis();
            if (lostData || Boolean.FALSE.equals(answers)) {
                if (goneSince == 0) goneSince = now;
                okSince = 0;
            } else if (Boolean.TRUE.equals(answers)) {
                if (okSince == 0) okSince = now;
                goneSince = 0;
            }
            long reported = lostData ? ModeTable.LOST_DATA : goneSince != 0 ? 0 : okSince;
            ModeTable.Read read;
            try {
                read = table.beat(
                        now, reported, acked, serving == State.CACHE ? servingEpoch : -1, heartbeats.get() % 600 == 0);
            } catch (RuntimeException e) {
                if (lastProblem == null) {
                    LOG.log(
                            System.Logger.Level.WARNING,
                            "Session store heartbeat failed (this node serves until its lease lapses): {0}",
                            e.toString());
                }
                lastProblem = e.toString();
                return;
            }
            if (lastProblem != null) LOG.log(System.Logger.Level.INFO, "Session store heartbeat works again");
            lastProblem = null;
            heartbeats.incrementAndGet();
            leaseUntil = now + leaseMillis - LEASE_MARGIN_MILLIS;
            follow(read);
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.WARNING, "Session store mode: {0}", e.toString());
            soon();
        }
    }

    /** Follows the cluster: completes this node's part of a barrier, or enters the serving state it reached. */
    private void follow(ModeTable.Read read) {
        seen = read.state();
        switch (read.state()) {
            case TO_DATABASE, TO_CACHE -> {
                if (acked != read.epoch()) {
                    stopServing();
                    participant.drain(read.state() == State.TO_DATABASE ? State.DATABASE : State.CACHE);
                    acked = read.epoch();
                    urgent(); // tell the cluster now
                } else {
                    soon(); // until every node has acknowledged
                }
            }
            case CACHE, DATABASE -> {
                if (serving == read.state() && servingEpoch == read.epoch()) return;
                if (acked != read.epoch() - 1) {
                    // The barrier before this state went on without this node (its lease lapsed, or it has just
                    // started): do its part now, before serving.
                    stopServing();
                    participant.drain(read.state());
                    acked = read.epoch() - 1;
                }
                State before = lastServed;
                lastServed = read.state();
                participant.entered(read.state(), read.epoch());
                if (before != null && before != read.state()) switches.incrementAndGet(); // before requests see it
                // What this node saw of the cache tier before counts no more: in DATABASE the database serves, and
                // in a new CACHE state a request that finds it gone has its whole wait for the next switch (a stale
                // sighting from the DATABASE state cut that wait to nothing).
                goneSince = 0;
                enteredAt = System.nanoTime();
                synchronized (lock) {
                    serving = read.state();
                    servingEpoch = read.epoch();
                    lock.notifyAll();
                }
                LOG.log(
                        System.Logger.Level.INFO,
                        "Session store: this node serves from the {0} tier (epoch {1})",
                        read.state() == State.CACHE ? "cache" : "database",
                        read.epoch());
            }
            default -> throw new IllegalStateException(read.state().name());
        }
    }

    /** Stops new requests from entering and waits until none of the current state is under way. */
    private void stopServing() {
        State old;
        synchronized (lock) {
            old = serving;
            serving = null;
        }
        if (old == null) return;
        LongAdder count = old == State.CACHE ? inCache : inDatabase;
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2 * switchWaitMillis + 1_000);
        while (count.sum() > 0 && System.nanoTime() < until) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (count.sum() > 0) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "Session store switch: {0} requests of the {1} state still under way",
                    count.sum(),
                    old);
        }
    }

    /** Stops the heartbeat as a killed JVM would: nothing written, the row left to lapse (tests). */
    void halt() {
        closed = true;
        if (ticker != null) ticker.shutdownNow();
    }

    /** Leaves the cluster: stops the heartbeat and removes this node's row, so no barrier waits for it. */
    @Override
    public void close() {
        close(true);
    }

    /** Stops the heartbeat; removes this node's row only if {@code leave} (else its lease lapses). */
    void close(boolean leave) {
        if (!coordinated || closed) return;
        closed = true;
        ticker.stop(false, 5_000);
        if (!leave) return;
        try {
            table.leave();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "Cannot remove this node's row (its lease lapses): {0}", e.toString());
        }
    }
}
