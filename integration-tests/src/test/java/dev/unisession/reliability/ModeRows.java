package dev.unisession.reliability;

import dev.unisession.testing.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The tiered store's cluster-wide mode as the nodes keep it in the database (docs/tiered.md), read by the test on a
 * connection of its own: the mode row ({@code us_mode}: state, epoch, when it last changed on the deciding node's
 * clock, which is this machine's) and the nodes' rows ({@code us_node}: lease, since when the node has seen Redis
 * answer, the last switch it acknowledged). {@link #watch} records every change of the mode row a poll sees.
 */
final class ModeRows implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ModeRows.class.getName());

    /** The mode row: {@code changedAt} is {@link System#currentTimeMillis()} of the heartbeat that decided it. */
    record Mode(String state, long epoch, long changedAt) {
        @Override
        public String toString() {
            return state + "(" + epoch + ")";
        }
    }

    /** One node's row; times in {@link System#currentTimeMillis()}. */
    record NodeRow(String id, long leaseUntil, long cacheOkSince, long acked) {}

    /** A mode row a poll saw for the first time, and when ({@link System#nanoTime()}). */
    record Seen(Mode mode, long seenAt) {}

    private final Connection connection;
    private final PreparedStatement mode;
    private final PreparedStatement nodes;
    private final List<Seen> seen = new ArrayList<>();
    private volatile boolean closed;
    private Thread watcher;

    ModeRows(TestDatabase db) throws SQLException {
        connection = DriverManager.getConnection(db.url(), db.user(), "");
        connection.setAutoCommit(true);
        mode = connection.prepareStatement("SELECT state, epoch, changed_at FROM us_mode");
        nodes = connection.prepareStatement("SELECT id, lease_until, cache_ok_since, acked FROM us_node");
    }

    /** The mode row now, or null before a node has written it. */
    synchronized Mode mode() throws SQLException {
        try (ResultSet r = mode.executeQuery()) {
            return r.next() ? new Mode(r.getString(1), r.getLong(2), r.getLong(3)) : null;
        }
    }

    /** Every node's row now. */
    synchronized List<NodeRow> nodes() throws SQLException {
        List<NodeRow> out = new ArrayList<>();
        try (ResultSet r = nodes.executeQuery()) {
            while (r.next()) out.add(new NodeRow(r.getString(1), r.getLong(2), r.getLong(3), r.getLong(4)));
        }
        return out;
    }

    /**
     * Polls the mode row every {@code millis} ms in a thread of its own until closed, recording each change seen
     * ({@link #seen()}). A state that lasted less than a poll may be missed: the epochs tell.
     */
    ModeRows watch(long millis) {
        watcher = new Thread(
                () -> {
                    Mode last = null;
                    while (!closed) {
                        try {
                            Mode m = mode();
                            if (m != null && !m.equals(last)) {
                                synchronized (seen) {
                                    seen.add(new Seen(m, System.nanoTime()));
                                }
                                last = m;
                            }
                            Thread.sleep(millis);
                        } catch (InterruptedException e) {
                            return;
                        } catch (SQLException e) {
                            if (!closed) LOG.log(System.Logger.Level.WARNING, "Cannot read us_mode: {0}", e.toString());
                        }
                    }
                },
                "mode-watch");
        watcher.setDaemon(true);
        watcher.start();
        return this;
    }

    /** The mode rows {@link #watch} saw, in order. */
    List<Seen> seen() {
        synchronized (seen) {
            return new ArrayList<>(seen);
        }
    }

    @Override
    public void close() throws Exception {
        closed = true;
        if (watcher != null) {
            watcher.interrupt();
            watcher.join(5_000);
        }
        synchronized (this) {
            connection.close();
        }
    }
}
