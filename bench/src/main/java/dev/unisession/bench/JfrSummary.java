package dev.unisession.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Summarizes a JFR recording of a server under load into the tables bench/results keeps: where the CPU samples fall
 * (by thread kind, by top frame, by the first frame of our code and by the library the top frame is in), and which
 * monitors and locks request threads waited on for long (contended waits of 10 ms or more, by the class holding them).
 *
 * <pre>java -cp bench/target/classes dev.unisession.bench.JfrSummary recording.jfr [top-N]</pre>
 */
public final class JfrSummary {

    private JfrSummary() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: JfrSummary recording.jfr [top-N]");
            System.exit(64);
        }
        int top = args.length > 1 ? Integer.parseInt(args[1]) : 25;
        List<RecordedEvent> events = RecordingFile.readAllEvents(Path.of(args[0]));
        List<RecordedEvent> samples = events.stream()
                .filter(e -> e.getEventType().getName().equals("jdk.ExecutionSample"))
                .toList();
        System.out.printf("%s: %d execution samples%n%n", Path.of(args[0]).getFileName(), samples.size());
        table("CPU samples by thread kind", samples, e -> threadKind(e.getThread("sampledThread")), top);
        table("CPU samples by top frame", samples, e -> frame(e.getStackTrace(), 0), top);
        table("CPU samples by library of the top frame", samples, e -> library(e.getStackTrace()), top);
        table(
                "CPU samples by the first unisession frame (none: the stack holds no unisession code)",
                samples,
                e -> firstOurs(e.getStackTrace()),
                top);
        List<RecordedEvent> waits = events.stream()
                .filter(e -> e.getEventType().getName().equals("jdk.JavaMonitorEnter")
                        || e.getEventType().getName().equals("jdk.ThreadPark"))
                .filter(e -> e.getDuration().compareTo(Duration.ofMillis(10)) >= 0)
                .filter(e -> !e.getEventType().getName().equals("jdk.ThreadPark") || lockPark(e))
                .toList();
        table(
                "Contended monitor / lock waits of 10 ms or more, by the class waited on",
                waits,
                e -> e.getEventType().getName().equals("jdk.JavaMonitorEnter")
                        ? "monitor " + e.getClass("monitorClass").getName()
                        : "lock at " + lockOwner(e.getStackTrace()),
                top);
    }

    /** A park on a lock (not a future, a queue's condition or a sleep): an AQS acquire on the stack. */
    private static boolean lockPark(RecordedEvent e) {
        RecordedStackTrace st = e.getStackTrace();
        if (st == null) return false;
        return st.getFrames().stream()
                .anyMatch(f -> f.getMethod().getName().equals("acquire")
                        && f.getMethod().getType().getName().endsWith("AbstractQueuedSynchronizer"));
    }

    private static String lockOwner(RecordedStackTrace st) {
        boolean pastLock = false;
        for (RecordedFrame f : st.getFrames()) {
            String type = f.getMethod().getType().getName();
            if (type.startsWith("java.util.concurrent.locks.")) {
                pastLock = true;
                continue;
            }
            if (pastLock) return type + "." + f.getMethod().getName();
        }
        return "?";
    }

    private static void table(String title, List<RecordedEvent> events, Function<RecordedEvent, String> key, int top) {
        Map<String, Long> counts =
                events.stream().collect(Collectors.groupingBy(key, HashMap::new, Collectors.counting()));
        long total = events.size();
        System.out.printf("### %s%n%n| | count | %% |%n| --- | ---: | ---: |%n", title);
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(top)
                .forEach(c -> System.out.printf(
                        "| `%s` | %d | %.1f |%n",
                        c.getKey(), c.getValue(), total == 0 ? 0.0 : 100.0 * c.getValue() / total));
        System.out.println();
    }

    private static String threadKind(RecordedThread t) {
        if (t == null) return "?";
        String name = t.getJavaName() == null ? t.getOSName() : t.getJavaName();
        return name.replaceAll("[-#]?\\d+", "-N");
    }

    private static String frame(RecordedStackTrace st, int i) {
        if (st == null || st.getFrames().size() <= i) return "?";
        RecordedFrame f = st.getFrames().get(i);
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static final Map<String, String> LIBRARIES = new LinkedHashMap<>();

    static {
        LIBRARIES.put("dev.unisession.shaded.org.redisson.", "Redisson");
        LIBRARIES.put("dev.unisession.shaded.io.netty.", "Netty");
        LIBRARIES.put("dev.unisession.shaded.io.jsonwebtoken.", "jjwt");
        LIBRARIES.put("dev.unisession.shaded.com.fasterxml.", "Jackson");
        LIBRARIES.put("dev.unisession.shaded.com.github.benmanes.", "Caffeine");
        LIBRARIES.put("dev.unisession.shaded.", "other shaded");
        LIBRARIES.put("dev.unisession.", "unisession");
        LIBRARIES.put("org.apache.", "Tomcat");
        LIBRARIES.put("java.", "JDK");
        LIBRARIES.put("javax.", "JDK");
        LIBRARIES.put("jdk.", "JDK");
        LIBRARIES.put("sun.", "JDK");
        LIBRARIES.put("com.sun.", "JDK");
    }

    private static String library(RecordedStackTrace st) {
        if (st == null || st.getFrames().isEmpty()) return "?";
        String type = st.getFrames().get(0).getMethod().getType().getName();
        for (Map.Entry<String, String> l : LIBRARIES.entrySet()) {
            if (type.startsWith(l.getKey())) return l.getValue();
        }
        return "other";
    }

    private static String firstOurs(RecordedStackTrace st) {
        if (st == null) return "?";
        for (RecordedFrame f : st.getFrames()) {
            String type = f.getMethod().getType().getName();
            if (type.startsWith("dev.unisession.") && !type.startsWith("dev.unisession.shaded.")) {
                return type.substring("dev.unisession.".length()) + "."
                        + f.getMethod().getName();
            }
        }
        return "none";
    }
}
