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
    private final Level levelBefore;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    private LogCapture(Logger jul) {
        this.jul = jul;
        this.levelBefore = jul.getLevel();
    }

    /** Starts listening to what {@code logging} logs. */
    public static LogCapture of(Class<?> logging) {
        LogCapture c = new LogCapture(Logger.getLogger(logging.getName()));
        c.jul.addHandler(c);
        return c;
    }

    /** Starts listening to what {@code logging} logs down to {@code level} (until closed). */
    public static LogCapture of(Class<?> logging, Level level) {
        LogCapture c = new LogCapture(Logger.getLogger(logging.getName()));
        c.jul.setLevel(level);
        c.jul.addHandler(c);
        return c;
    }

    /** Everything logged so far, in order. */
    public List<LogRecord> records() {
        return List.copyOf(records);
    }

    /** Everything logged so far, each as its level and its message with the parameters filled in. */
    public List<String> messages() {
        return records.stream()
                .map(r -> r.getLevel() + " "
                        + (r.getParameters() == null
                                ? r.getMessage()
                                : java.text.MessageFormat.format(r.getMessage(), r.getParameters())))
                .toList();
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

    /** Stops listening (and gives the logger its level back). */
    @Override
    public void close() {
        jul.removeHandler(this);
        jul.setLevel(levelBefore);
    }
}
