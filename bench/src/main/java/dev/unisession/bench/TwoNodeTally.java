package dev.unisession.bench;

import static dev.unisession.bench.TwoNodeLoad.say;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What {@link TwoNodeLoad}'s client threads counted, the verdict on it (each violated expectation a failure) and
 * the tab-separated {@code RESULT} line bench/tomcat.sh reads.
 */
final class TwoNodeTally {

    /** What the final reads of every session on every node found. */
    record Final(long acked, long lost, long stale, long[] lostOn, int unreadable) {

        /** A session's attribute names on one node, or empty when no read of them got an answer. */
        interface Names {
            Optional<Set<String>> names(int node, TwoNodeLoad.Sess session) throws InterruptedException;
        }

        /**
         * Reads every session's attribute names on each of {@code nodes} nodes and counts the acknowledged writes
         * missing: on every node that answered (lost) or on some (stale).
         */
        static Final of(List<TwoNodeLoad.Sess> sessions, int nodes, Names reader) throws InterruptedException {
            int examples = 0;
            long acked = 0;
            long lost = 0;
            long stale = 0;
            long[] lostOn = new long[nodes];
            int unreadable = 0;
            for (TwoNodeLoad.Sess s : sessions) {
                acked += s.acked.size();
                Map<String, Integer> missingOn = new HashMap<>();
                int views = 0;
                for (int n = 0; n < nodes; n++) {
                    Optional<Set<String>> names = reader.names(n, s);
                    if (names.isEmpty()) {
                        unreadable++;
                        continue;
                    }
                    views++;
                    for (String w : s.acked) {
                        if (!names.get().contains(w)) {
                            lostOn[n]++;
                            missingOn.merge(w, 1, Integer::sum);
                            if (++examples <= 10) {
                                say("  acknowledged write %s of session #%d missing on node %d", w, s.index, n + 1);
                            }
                        }
                    }
                    if (!names.get().containsAll(List.of("user", "role", "visits"))) {
                        say("  session #%d has lost seeded attributes on node %d: %s", s.index, n + 1, names.get());
                    }
                }
                for (int count : missingOn.values()) {
                    if (count == views) lost++;
                    else stale++;
                }
            }

            return new Final(acked, lost, stale, lostOn, unreadable);
        }
    }

    final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    final LongAdder requests = new LongAdder();
    final LongAdder reads = new LongAdder();
    final LongAdder writes = new LongAdder();
    final LongAdder readsNoData = new LongAdder();
    final LongAdder writesOtherSession = new LongAdder();
    final LongAdder unavailableWithoutRetryAfter = new LongAdder();
    final LongAdder unavailableWithCookie = new LongAdder();
    final LongAdder transportErrors = new LongAdder();
    final LongAdder transportRetries = new LongAdder();
    final LongAdder cookiesReissued = new LongAdder();
    final LongAdder foreignCookies = new LongAdder();
    final List<String> failures = new ArrayList<>();

    /** Prints the summary of a run of {@code elapsed} seconds and adds a failure for each violated expectation. */
    void judge(String label, double elapsed, Final f, RedisPauser pauser) {
        long total = requests.sum();
        Map<Integer, Long> byStatus = new TreeMap<>();
        statuses.forEach((k, v) -> byStatus.put(k, v.sum()));
        say(
                "[%s] %d requests in %.1f s: %.0f req/s (%d reads, %d writes)",
                label, total, elapsed, total / elapsed, reads.sum(), writes.sum());
        say("  statuses: %s", statusText(byStatus));
        say(
                "  503 without Retry-After: %d; 503 with a Set-Cookie: %d",
                unavailableWithoutRetryAfter.sum(), unavailableWithCookie.sum());
        say(
                "  transport errors: %d (after %d retries of a failed connection)",
                transportErrors.sum(), transportRetries.sum());
        say(
                "  reads that found no data: %d; writes answered for another or no session: %d",
                readsNoData.sum(), writesOtherSession.sum());
        say(
                "  session cookies re-issued for the same session: %d; for another session or cleared: %d",
                cookiesReissued.sum(), foreignCookies.sum());
        say(
                "  acknowledged writes: %d; lost (missing on every node): %d; stale (missing on some node): %d;"
                        + " missing per node: %s; final reads failed: %d",
                f.acked(), f.lost(), f.stale(), lostText(f.lostOn()), f.unreadable());
        if (pauser != null) say("  Redis pauses: %d", pauser.pauses());

        for (int status : byStatus.keySet()) {
            if (!(status >= 200 && status < 300) && status != 503) {
                failures.add(byStatus.get(status) + " answers with status " + status + " (only 2xx and 503 allowed)");
            }
        }
        if (unavailableWithoutRetryAfter.sum() > 0) {
            failures.add(unavailableWithoutRetryAfter.sum() + " answers 503 without Retry-After");
        }
        if (transportErrors.sum() > 0) failures.add(transportErrors.sum() + " requests got no HTTP answer");
        if (readsNoData.sum() > 0) failures.add(readsNoData.sum() + " reads found no data");
        if (writesOtherSession.sum() > 0) {
            failures.add(writesOtherSession.sum() + " writes were answered for another or no session");
        }
        if (f.lost() > 0)
            failures.add(f.lost() + " of " + f.acked() + " acknowledged writes lost (missing on every node)");
        if (f.stale() > 0) {
            failures.add(f.stale() + " of " + f.acked() + " acknowledged writes missing on some node ("
                    + lostText(f.lostOn()) + ") 1 s after the load");
        }
        if (f.unreadable() > 0)
            failures.add(f.unreadable() + " final reads (session x node) got no 2xx within their retries");
        if (total == 0) failures.add("no requests were made");
        for (String failure : failures) say("FAIL %s: %s", label, failure);
        if (failures.isEmpty()) say("PASS %s", label);
    }

    /** The RESULT line: a failed setup ({@code note} not null) shows no statuses. */
    String resultLine(String label, double elapsed, String note, Final f, int pauses) {
        long total = note != null ? 0 : requests.sum();
        Map<Integer, Long> byStatus = new TreeMap<>();
        statuses.forEach((k, v) -> byStatus.put(k, v.sum()));
        return String.join(
                "\t",
                "RESULT",
                label,
                String.format(Locale.ROOT, "%.1f", elapsed),
                Long.toString(total),
                String.format(Locale.ROOT, "%.0f", elapsed > 0 ? total / elapsed : 0),
                statusText(note != null ? Map.of() : byStatus),
                Long.toString(unavailableWithoutRetryAfter.sum()),
                Long.toString(transportErrors.sum()),
                Long.toString(readsNoData.sum()),
                Long.toString(writesOtherSession.sum()),
                Long.toString(f.acked()),
                Long.toString(f.lost()),
                Long.toString(f.stale()),
                lostText(f.lostOn()),
                Integer.toString(f.unreadable()),
                Integer.toString(pauses),
                note != null ? "SETUP FAILED" : failures.isEmpty() ? "PASS" : "FAIL");
    }

    private static String statusText(Map<Integer, Long> byStatus) {
        if (byStatus.isEmpty()) return "–";
        StringBuilder sb = new StringBuilder();
        byStatus.forEach((k, v) ->
                sb.append(sb.length() == 0 ? "" : ", ").append(k).append(": ").append(v));
        return sb.toString();
    }

    private static String lostText(long[] lostOn) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lostOn.length; i++) {
            sb.append(i == 0 ? "" : " / ")
                    .append("node ")
                    .append(i + 1)
                    .append(": ")
                    .append(lostOn[i]);
        }
        return sb.toString();
    }
}
