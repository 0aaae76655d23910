package dev.unisession.it.app;

import java.util.ArrayList;
import java.util.List;

/** What the app's listeners heard, per webapp (each webapp loads its own copy of this class). */
public final class EventLog {
    private static final List<String> EVENTS = new ArrayList<>();

    private EventLog() {}

    public static synchronized void add(String event) {
        EVENTS.add(event);
    }

    public static synchronized List<String> snapshot() {
        return new ArrayList<>(EVENTS);
    }

    public static synchronized void clear() {
        EVENTS.clear();
    }
}
