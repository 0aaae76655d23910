package dev.unisession.reliability;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What a scenario measured: requests, failures by status, sessions and items checked and lost, p99 latency. */
final class Figures {

    final String scenario;
    private long requests;
    private final Map<String, Integer> failures = new TreeMap<>();
    private final List<Long> micros = new ArrayList<>();
    int sessionsChecked;
    int sessionsLost;
    int itemsLost;
    int serverErrors;
    /** How the failure showed on the nodes: circuit breaker openings logged, Redis call errors counted. */
    long breakerOpenings;
    long redisErrors;
    final List<String> notes = new ArrayList<>();

    Figures(String scenario) {
        this.scenario = scenario;
    }

    synchronized void count(Shopper.Call c) {
        requests++;
        micros.add(c.micros());
        if (c.status() == 503) {
            failures.merge("503 draining, retried", 1, Integer::sum);
        } else if (!c.reached()) {
            failures.merge("unreachable", 1, Integer::sum);
        } else if (c.status() >= 500) {
            serverErrors++;
            failures.merge(Integer.toString(c.status()), 1, Integer::sum);
        }
    }

    /** A cart page that lacked an item whose add had been acknowledged before the page was asked for. */
    int staleReads;

    synchronized void staleRead(String what) {
        if (staleReads++ < 3) notes.add(what);
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
        return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(sorted.size() * 0.99) - 1)) / 1000;
    }

    /** One row of the report table. */
    synchronized String row() {
        return "| " + scenario + " | " + requests + " | " + (failures.isEmpty() ? "none" : failures) + " | "
                + sessionsChecked + " | " + sessionsLost + " | " + itemsLost + " | " + p99Millis() + " | "
                + staleReads + " | " + breakerOpenings + " | " + redisErrors + " | "
                + String.join("; ", notes) + " |";
    }

    @Override
    public synchronized String toString() {
        return "[reliability] " + scenario + ": requests=" + requests + " failures=" + failures + " sessionsChecked="
                + sessionsChecked + " sessionsLost=" + sessionsLost + " itemsLost=" + itemsLost + " p99Ms="
                + p99Millis() + " staleReads=" + staleReads + " breakerOpenings=" + breakerOpenings + " redisErrors=" + redisErrors + " " + notes;
    }
}
