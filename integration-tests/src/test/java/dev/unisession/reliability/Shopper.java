package dev.unisession.reliability;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * One user of the shop with a session of its own, sent to whichever node the load balancer picks. It counts the
 * items whose add it saw acknowledged (a redirect), and on every cart page checks that none of them is missing.
 */
final class Shopper {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    static final List<String> FRUIT = List.of("apple", "pear", "plum", "cherry");

    final String user;
    /** The cookies a browser would hold for the shop: the session token and its version hint. */
    private final java.util.Map<String, String> cookies = new java.util.TreeMap<>();
    /** Items acknowledged so far. */
    int acknowledged;
    /** Requests this shopper gave up on (no answer) from a node going down or starting: the node may run them late. */
    volatile int abandoned;
    /** Set once a page of this shopper's sent it to log in: its session was lost (even if it came back later). */
    boolean lost;
    /** Each acknowledged add: the node that acknowledged it and when (in the order acknowledged). */
    final List<Ack> acks = new java.util.ArrayList<>();
    /** Cart pages that lacked acknowledged items: when each was sent, and how many items it lacked. */
    final List<Ack> staleReads = new java.util.ArrayList<>();
    /** Items on the cart page read at the end ({@code ReliabilityTest.verify}), -1 sent to log in, -2 not read. */
    int itemsAtEnd = -2;

    /**
     * An acknowledged add (or, in {@link #staleReads}, a stale cart page): the node that answered, when the request
     * was sent and when its answer came ({@link System#nanoTime()}), and for a stale page how many items it lacked.
     */
    record Ack(String node, long sentAt, long answeredAt, int lacking) {}

    Shopper(String user) {
        this.user = user;
    }

    /**
     * The outcome of one request: its HTTP status (0 when no response came), how long it took, its body, its
     * {@code Location} and {@code Retry-After} headers (null when absent), the node it was sent to (null when not a
     * node of the test), and whether that node was down or going down while the request was under way (not up when
     * it was sent, or stopped or killed before the answer came): only such a node may fail to answer, or answer 503
     * because it is draining; and when it was sent ({@link System#nanoTime()}), to tell the time window it fell in.
     */
    record Call(
            int status,
            long micros,
            String body,
            String location,
            String retryAfter,
            String node,
            boolean nodeDown,
            long sentAt) {
        /**
         * False when no response came, or for any 503 (a draining node, or a store failure answered with
         * Retry-After): a balancer tries the next node. Whether that was allowed is for {@link Figures} to judge.
         */
        boolean reached() {
            return status > 0 && status != 503;
        }

        /** Sent to the login page: the session is gone. */
        boolean toLogin() {
            return (status == 302 || status == 303) && location.contains("/login");
        }
    }

    /** A request to one node of the test, with whether the node was up throughout (see {@link Call#nodeDown()}). */
    Call send(Node on, HttpRequest.Builder b) {
        boolean upBefore = on.up();
        int downsBefore = on.downs();
        Call c = send(b);
        boolean down = !upBefore || !on.up() || on.downs() != downsBefore;
        if (c.status() == 0 && down) abandoned++;
        return new Call(c.status(), c.micros(), c.body(), c.location(), c.retryAfter(), on.name, down, c.sentAt());
    }

    Call send(HttpRequest.Builder b) {
        if (!cookies.isEmpty()) {
            StringBuilder h = new StringBuilder();
            cookies.forEach((n, v) ->
                    h.append(h.length() == 0 ? "" : "; ").append(n).append('=').append(v));
            b.header("Cookie", h.toString());
        }
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> r =
                    HTTP.send(b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            synchronized (cookies) {
                for (String c : r.headers().allValues("Set-Cookie")) {
                    int eq = c.indexOf('=');
                    int semi = c.indexOf(';');
                    String name = c.substring(0, eq);
                    String value = c.substring(eq + 1, semi < 0 ? c.length() : semi);
                    if (value.isEmpty() || c.contains("Max-Age=0")) cookies.remove(name);
                    else cookies.put(name, value);
                }
            }
            return new Call(
                    r.statusCode(),
                    (System.nanoTime() - t0) / 1000,
                    r.body(),
                    r.headers().firstValue("Location").orElse(""),
                    r.headers().firstValue("Retry-After").orElse(null),
                    null,
                    false,
                    t0);
        } catch (IOException e) {
            return new Call(0, (System.nanoTime() - t0) / 1000, e.toString(), "", null, null, false, t0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Call(0, 0, "interrupted", "", null, null, false, t0);
        }
    }

    private static HttpRequest.Builder form(URI uri, String... kv) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i + 1 < kv.length; i += 2) {
            if (b.length() > 0) b.append('&');
            b.append(kv[i]).append('=').append(URLEncoder.encode(kv[i + 1], StandardCharsets.UTF_8));
        }
        return HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(b.toString()));
    }

    Call login(Node on) {
        return send(on, form(on.uri("/login"), "user", user));
    }

    Call logout(Node on) {
        return send(on, form(on.uri("/logout")));
    }

    /** Adds an item; a redirect (303/302) means the add was acknowledged. */
    Call add(Node on) {
        Call c = send(on, form(on.uri("/cart"), "item", FRUIT.get(acknowledged % FRUIT.size())));
        if ((c.status() == 302 || c.status() == 303) && c.location().endsWith("/cart")) {
            acknowledged++;
            acks.add(new Ack(c.node(), c.sentAt(), c.sentAt() + c.micros() * 1000, 0));
        }
        return c;
    }

    Call cart(Node on) {
        return send(on, HttpRequest.newBuilder(on.uri("/cart")).GET());
    }

    /** Another client holding this one's cookie as it is now (to check a session after a race). */
    Shopper sameCookie() {
        Shopper s = new Shopper(user);
        synchronized (cookies) {
            s.cookies.putAll(cookies);
        }
        return s;
    }

    boolean hasCookie() {
        return cookies.containsKey("USESSION");
    }

    /** Items on a cart page, -1 when it sent us to log in (the session is gone), -2 for any other answer. */
    static int items(Call c) {
        if (c.status() == 302 || c.status() == 303) return c.toLogin() ? -1 : -2;
        if (c.status() != 200) return -2;
        int n = 0;
        for (int i = c.body().indexOf("<li class='item'>"); i >= 0; i = c.body().indexOf("<li class='item'>", i + 1))
            n++;
        return n;
    }
}
