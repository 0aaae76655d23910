package dev.unisession.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * What a class logs through {@code System.Logger} during a test (JUL carries it here: no other LoggerFinder is on the
 * test class path). {@link #close()} stops listening; the JUL logger is held, so it stays strongly reachable.
 */
public final class LogCapture extends Handler implements AutoCloseable {

    private final Logger jul;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    private LogCapture(Logger jul) {
        this.jul = jul;
    }

    /** Starts listening to what {@code logging} logs. */
    public static LogCapture of(Class<?> logging) {
        LogCapture c = new LogCapture(Logger.getLogger(logging.getName()));
        c.jul.addHandler(c);
        return c;
    }

    /** Everything logged so far, in order. */
    public List<LogRecord> records() {
        return List.copyOf(records);
    }

    /** What was logged at this level. */
    public List<LogRecord> at(Level level) {
        return records.stream().filter(r -> r.getLevel().equals(level)).toList();
    }

    @Override
    public void publish(LogRecord r) {
        records.add(r);
    }

    @Override
    public void flush() {}

    /** Stops listening. */
    @Override
    public void close() {
        jul.removeHandler(this);
    }
}
