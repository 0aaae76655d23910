package dev.unisession.reliability;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a scenario measured: requests, failures by kind, sessions and items checked and lost, stale reads, p99
 * latency, and how the nodes saw the failure.
 *
 * <p>Every answer other than a success or a redirect is a failure of some kind. Only the kinds a scenario
 * {@linkplain #allow allows}, each with the reason its design produces it, are not errors; every other failure is
 * {@linkplain #unexpectedFailures() unexpected} and fails the scenario.
 */
final class Figures {

    /** No response from a node that was down or going down (killed, stopped, not yet started): retried elsewhere. */
    static final String UNREACHABLE = "unreachable";
    /**
     * 503 without {@code Retry-After} from a node that was stopping: Jetty's GracefulHandler turning away requests
     * that came after SIGTERM, before the application ran (nothing of the session was touched); retried elsewhere.
     */
    static final String DRAINING = "503 draining, retried";
    /**
     * 409 for a shopper who earlier gave up on a request to a node that was going down or starting (no answer): that
     * node ran it late, and its change landed between this request's read and write, so unisession refused this one
     * (it would have undone the other). Nothing is lost: the shopper's add was not acknowledged, and the late one's
     * item is in the cart. A 409 for a shopper who never gave up on a request is a failure (kind "409").
     */
    static final String LATE_DUPLICATE = "409 after the shopper's own abandoned request";
    /** No response (timeout, reset) from a node that was up: what a balancer shows as a 502/504. */
    static final String NO_RESPONSE = "no response from a live node";
    /** 503 with {@code Retry-After}: the filter's answer when the store failed (session not loaded or not saved). */
    static final String STORE_UNAVAILABLE = "503 store unavailable (Retry-After)";
    /**
     * 503 with {@code Retry-After} from a node the scenario cut off from Redis while the others reach it: the node
     * alone does not switch the cluster, it fails its requests (and reports DOWN); retried elsewhere. Only from the
     * nodes named in {@link #allowStoreUnavailableFrom}; the same answer from any other node stays
     * {@link #STORE_UNAVAILABLE}.
     */
    static final String STORE_UNAVAILABLE_CUT_OFF = "503 store unavailable on the cut-off node";

    final String scenario;
    private long requests;
    private final Map<String, Integer> failures = new TreeMap<>();
    /** The failure kinds this scenario's design produces, with why; see {@link #allow}. */
    private final Map<String, String> allowed = new LinkedHashMap<>();

    private final List<Long> micros = new ArrayList<>();
    /** When each request in {@link #micros} was sent ({@link System#nanoTime()}), in the same order. */
    private final List<Long> sentAt = new ArrayList<>();
    /** Named time windows of the scenario ({@link #openWindow}): start and end in {@link System#nanoTime()}. */
    private final Map<String, long[]> windows = new LinkedHashMap<>();
    /** Nodes whose store 503s count as {@link #STORE_UNAVAILABLE_CUT_OFF}. */
    private final java.util.Set<String> cutOff = new java.util.TreeSet<>();

    int sessionsChecked;
    /** Sessions that sent their user to log in at any point: during the load, or when checked at the end. */
    int sessionsLost;

    int itemsLost;
    /** Responses >= 500 and requests a live node did not answer, except the kinds the scenario allows. */
    int serverErrors;
    /** Operations that no node answered (every node the balancer tried was down, draining or failing). */
    int unanswered;
    /** How the failure showed on the nodes: switches to the database logged, Redis call errors counted. */
    long databaseSwitches;

    long redisErrors;
    /** A cart page that lacked an item whose add had been acknowledged before the page was asked for. */
    int staleReads;

    final List<String> notes = new ArrayList<>();

    Figures(String scenario) {
        this.scenario = scenario;
    }

    /** Allows a failure kind this scenario produces by design, for the reason given (shown with any failure). */
    synchronized Figures allow(String kind, String why) {
        allowed.put(kind, why);
        return this;
    }

    /**
     * Allows {@link #STORE_UNAVAILABLE_CUT_OFF}: a store's 503 (with {@code Retry-After}) from {@code node} only, for
     * the reason given.
     */
    synchronized Figures allowStoreUnavailableFrom(String node, String why) {
        cutOff.add(node);
        return allow(STORE_UNAVAILABLE_CUT_OFF, why);
    }

    /** The failure kind of an answer in this scenario ({@link #kind}, with the cut-off nodes' store 503s apart). */
    private String classify(Shopper.Call c, boolean afterAbandoned) {
        if (c.status() == 409 && afterAbandoned) return LATE_DUPLICATE;
        String kind = kind(c);
        return STORE_UNAVAILABLE.equals(kind) && cutOff.contains(c.node()) ? STORE_UNAVAILABLE_CUT_OFF : kind;
    }

    /** The failure kind of an answer, or null for a success or a redirect. */
    static String kind(Shopper.Call c) {
        if (c.status() == 0) return c.nodeDown() ? UNREACHABLE : NO_RESPONSE;
        if (c.status() == 503 && c.retryAfter() != null) return STORE_UNAVAILABLE;
        if (c.status() == 503 && c.nodeDown()) return DRAINING;
        if (c.status() >= 400) return Integer.toString(c.status());
        return null;
    }

    synchronized void count(Shopper.Call c) {
        count(c, false);
    }

    /** As {@link #count(Shopper.Call)}, for a shopper who gave up on an earlier request (see {@link #LATE_DUPLICATE}). */
    synchronized void count(Shopper.Call c, boolean afterAbandoned) {
        requests++;
        micros.add(c.micros());
        sentAt.add(c.sentAt());
        String kind = classify(c, afterAbandoned);
        if (kind == null) return;
        failures.merge(kind, 1, Integer::sum);
        if (!allowed.containsKey(kind) && (c.status() >= 500 || c.status() == 0)) {
            serverErrors++;
            if (serverErrors <= 3) notes.add(kind + " from " + c.node() + ": " + abbreviate(c.body()));
        }
    }

    private static String abbreviate(String s) {
        s = s.replaceAll("\\s+", " ");
        return s.length() > 160 ? s.substring(0, 160) + "…" : s;
    }

    /** Failures by kind that the scenario does not allow (responses >= 500, no response from a live node, 4xx). */
    synchronized Map<String, Integer> unexpectedFailures() {
        Map<String, Integer> out = new TreeMap<>(failures);
        out.keySet().removeAll(allowed.keySet());
        return out;
    }

    synchronized String allowed() {
        return allowed.isEmpty() ? "none" : allowed.toString();
    }

    /** A cart page without an acknowledged item, sent at {@code sentAt} ({@link System#nanoTime()}). */
    synchronized void staleRead(String what, long sentAt) {
        if (staleReads++ >= 3) return;
        StringBuilder when = new StringBuilder();
        windows.forEach((name, w) -> {
            if (sentAt >= w[0] && sentAt <= w[1]) {
                when.append(when.length() == 0 ? " (sent " : ", ")
                        .append((sentAt - w[0]) / 1_000_000)
                        .append(" ms into '")
                        .append(name)
                        .append('\'');
            }
        });
        notes.add("stale read: " + what + (when.length() == 0 ? " (outside every window)" : when + ")"));
    }

    /** A shopper's page sent it to log in during the load: its session was lost. */
    synchronized void sessionVanished(Shopper s, String what) {
        s.lost = true;
        sessionsLost++;
        if (sessionsLost <= 3) notes.add("session lost during the load: " + s.user + " " + what);
    }

    /** An operation that no node answered, every node tried being down, draining or failing. */
    synchronized void unanswered(Shopper.Call last) {
        if (unanswered++ < 3) notes.add("no node answered, last: " + classify(last, false) + " from " + last.node());
    }

    synchronized void checked() {
        sessionsChecked++;
    }

    synchronized void note(String s) {
        notes.add(s);
    }

    synchronized int failures(String kind) {
        return failures.getOrDefault(kind, 0);
    }

    synchronized long p99Millis() {
        if (micros.isEmpty()) return 0;
        List<Long> sorted = new ArrayList<>(micros);
        Collections.sort(sorted);
        return percentile(sorted, 0.99) / 1000;
    }

    /** The nearest-rank percentile {@code q} of sorted values. */
    private static long percentile(List<Long> sorted, double q) {
        return sorted.get((int) Math.max(0, Math.min(sorted.size() - 1, Math.ceil(sorted.size() * q) - 1)));
    }

    /** Starts the time window {@code name} now: requests sent from now on fall in it until {@link #closeWindow}. */
    synchronized void openWindow(String name) {
        windows.put(name, new long[] {System.nanoTime(), Long.MAX_VALUE});
    }

    /** Starts the time window {@code name} at {@code nanos} ({@link System#nanoTime()}), which may be past. */
    synchronized void openWindow(String name, long nanos) {
        windows.put(name, new long[] {nanos, Long.MAX_VALUE});
    }

    /** Ends the time window {@code name} now. */
    synchronized void closeWindow(String name) {
        windows.get(name)[1] = System.nanoTime();
    }

    /** Latency of the requests sent within a window: how many, the median, p99 and the slowest, in ms. */
    record Latency(int requests, double p50Millis, double p99Millis, double maxMillis) {
        @Override
        public String toString() {
            return String.format(
                    java.util.Locale.ROOT,
                    "%d requests, p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                    requests,
                    p50Millis,
                    p99Millis,
                    maxMillis);
        }
    }

    /**
     * The latency of every request counted so far that was sent within the window {@code name} (none if it was
     * never opened: the scenario failed before).
     */
    synchronized Latency latency(String name) {
        long[] w = windows.get(name);
        if (w == null) return new Latency(0, 0, 0, 0);
        List<Long> in = new ArrayList<>();
        for (int i = 0; i < micros.size(); i++) {
            long t = sentAt.get(i);
            if (t >= w[0] && t < w[1]) in.add(micros.get(i));
        }
        if (in.isEmpty()) return new Latency(0, 0, 0, 0);
        Collections.sort(in);
        return new Latency(
                in.size(), percentile(in, 0.5) / 1000.0, percentile(in, 0.99) / 1000.0, in.get(in.size() - 1) / 1000.0);
    }

    /** One row of the report table. */
    synchronized String row() {
        return "| " + scenario + " | " + requests + " | " + (failures.isEmpty() ? "none" : failures) + " | "
                + sessionsChecked + " | " + sessionsLost + " | " + itemsLost + " | " + p99Millis() + " | "
                + staleReads + " | " + databaseSwitches + " | " + redisErrors + " | "
                + String.join("; ", notes) + " |";
    }

    @Override
    public synchronized String toString() {
        return "[reliability] " + scenario + ": requests=" + requests + " failures=" + failures + " allowed="
                + allowed.keySet() + " unanswered=" + unanswered + " sessionsChecked=" + sessionsChecked
                + " sessionsLost=" + sessionsLost + " itemsLost=" + itemsLost + " p99Ms=" + p99Millis()
                + " staleReads=" + staleReads + " databaseSwitches=" + databaseSwitches + " redisErrors=" + redisErrors
                + " " + notes;
    }
}
