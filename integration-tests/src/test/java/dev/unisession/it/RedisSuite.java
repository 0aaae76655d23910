package dev.unisession.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.codec.AttributeCodec;
import dev.unisession.store.NearCacheStore;
import dev.unisession.store.redis.RedisStore;
import dev.unisession.testing.PrivateRedis;
import dev.unisession.testing.Resp;
import dev.unisession.testing.Services;
import dev.unisession.testing.TestRedisStores;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Non-sticky nodes sharing sessions through the real local Redis (a private redis-server where a test kills it or
 * counts commands). Each node has its own Redisson client and near cache.
 */
abstract class RedisSuite {

    abstract Container container();

    private final String prefix = "it" + Long.toString(System.nanoTime(), 36) + ":";
    private final String keys = Keys.entry("k1", Keys.secret());
    private final List<RunningServer> servers = new ArrayList<>();

    private RunningServer node(String redisUrl) throws Exception {
        Map<String, String> params = new HashMap<>(SessionSuite.params(keys));
        params.put("unisession.store", "redis");
        params.put("unisession.redis.url", redisUrl);
        params.put("unisession.redis.prefix", prefix);
        RunningServer s = container().start(TestWebapp.declared(), params, null);
        servers.add(s);
        return s;
    }

    /** A node whose store the test builds, to read its round-trip counter. */
    private RunningServer node(RedisStore redis) throws Exception {
        NearCacheStore cache = new NearCacheStore(redis, 1000, Duration.ofMinutes(5), 0.1, Clock.systemUTC());
        // No sweeps while counting: the expiry sweeper's own calls would be counted too.
        Map<String, String> params = Map.of("unisession.token.keys", keys, "unisession.expiry.interval", "1h");
        RunningServer s = container().start(TestWebapp.declared(), params, cache);
        servers.add(s);
        return s;
    }

    @AfterEach
    void stopAll() throws Exception {
        for (RunningServer s : servers) s.close();
        if (new Resp(Services.REDIS_PORT).ping()) new Resp(Services.REDIS_PORT).deleteAll(prefix + "*");
    }

    private static String cookieOf(Client.Reply r) {
        String h = r.setCookies().stream()
                .filter(c -> c.startsWith(SessionSuite.COOKIE + "="))
                .findFirst()
                .orElseThrow();
        return h.substring(0, h.indexOf(';'));
    }

    private static Map<String, String> attrs(Client.Reply r) {
        return r.values().entrySet().stream()
                .filter(e -> e.getKey().startsWith("attr."))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    // 1
    @Test
    void aSessionMovesFreelyBetweenNodes() throws Exception {
        String url = Services.redisUrl();
        RunningServer one = node(url);
        RunningServer two = node(url);
        Client c = new Client();
        String id = c.get(one.uri("/s?op=set&name=a&value=1")).value("session");
        Client.Reply onTwo = c.get(two.uri("/s?op=set&name=b&value=2"));
        assertEquals(id, onTwo.value("session"));
        assertEquals("1", onTwo.value("attr.a"));
        c.get(one.uri("/s?op=list-add&name=l&value=x"));
        c.get(two.uri("/s?op=list-add&name=l&value=y"));
        c.get(one.uri("/s?op=cart-add&value=fig"));
        Map<String, String> onOne = attrs(c.get(one.uri("/s?op=info")));
        assertEquals(Map.of("attr.a", "1", "attr.b", "2", "attr.l", "[x, y]", "attr.cart", "Cart[fig]"), onOne);
        assertEquals(onOne, attrs(c.get(two.uri("/s?op=info"))));
    }

    // 2
    @Test
    void concurrentRequestsOnDifferentAttributesLoseNothing() throws Exception {
        String url = Services.redisUrl();
        RunningServer[] nodes = {node(url), node(url)};
        Client.Reply created = new Client().get(nodes[0].uri("/s?op=create"));
        String cookie = cookieOf(created);
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            URI uri = nodes[i % 2].uri("/s?op=set&name=attr" + i + "&value=" + i);
            all.add(http.sendAsync(
                    HttpRequest.newBuilder(uri).header("Cookie", cookie).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> f : all)
            assertEquals(200, f.get().statusCode());
        for (RunningServer n : nodes) {
            Client.Reply r = Client.getWithCookie(n.uri("/s?op=info"), cookie);
            assertEquals(created.value("session"), r.value("session"));
            for (int i = 0; i < 100; i++) assertEquals(Integer.toString(i), r.value("attr.attr" + i), "attr" + i);
        }
    }

    // 3
    @Test
    void invalidationReachesOtherNodesAndInFlightRequestsCannotResurrect() throws Exception {
        String url = Services.redisUrl();
        RunningServer one = node(url);
        RunningServer two = node(url);
        Client.Reply created = new Client().get(one.uri("/s?op=set&name=a&value=1"));
        String cookie = cookieOf(created);
        String id = created.value("session");
        assertEquals(id, Client.getWithCookie(two.uri("/s?op=info"), cookie).value("session")); // cached on two

        CompletableFuture<Client.Reply> inFlight = CompletableFuture.supplyAsync(
                () -> Client.getWithCookie(two.uri("/s?op=slow-set&name=late&value=x&ms=1500"), cookie));
        Thread.sleep(500); // the slow request has loaded the session on node two
        assertEquals(
                id, Client.getWithCookie(one.uri("/s?op=invalidate"), cookie).value("invalidated"));
        assertEquals(
                "none",
                Client.getWithCookie(two.uri("/s?op=info"), cookie).value("session"),
                "node two's near cache no longer has it");
        Client.Reply late = inFlight.get();
        assertEquals(200, late.status());
        assertEquals("none", Client.getWithCookie(two.uri("/s?op=info"), cookie).value("session"));
        assertEquals("none", Client.getWithCookie(one.uri("/s?op=info"), cookie).value("session"));
        assertFalse(
                new Resp(Services.REDIS_PORT)
                        .keys(prefix + "*").stream()
                                .anyMatch(k -> k.contains(id) && !k.equals(prefix + "{" + id + "}!")),
                "the in-flight write did not bring the session back (only its tombstone is left)");
    }

    // 3b
    /**
     * A request that read the list, overtaken by another on the other node that adds to it (as when a balancer gives
     * up on a slow node and sends the request elsewhere while the first still runs it): the late one's change is
     * refused (409, nothing stored) instead of storing its copy of the list over the other's item.
     */
    @Test
    void aLateChangeBuiltOnAStaleReadIsRefusedAndTheOtherNodesItemStays() throws Exception {
        String url = Services.redisUrl();
        RunningServer one = node(url);
        RunningServer two = node(url);
        Client.Reply created = new Client().get(one.uri("/s?op=list-add&name=l&value=x"));
        String cookie = cookieOf(created);
        CompletableFuture<Client.Reply> late = CompletableFuture.supplyAsync(
                () -> Client.getWithCookie(two.uri("/s?op=slow-list-add&name=l&value=late&ms=1500"), cookie));
        Thread.sleep(500); // the slow request has read the list on node two
        assertEquals(
                200,
                Client.getWithCookie(one.uri("/s?op=list-add&name=l&value=y"), cookie)
                        .status());
        Client.Reply refused = late.get();
        assertEquals(409, refused.status(), refused.body());
        assertFalse(refused.body().contains("added="), "the application's output is not sent: " + refused.body());
        assertTrue(refused.setCookies().isEmpty(), "no cookie set or cleared: " + refused.setCookies());
        for (RunningServer n : List.of(one, two)) {
            assertEquals(
                    "[x, y]",
                    Client.getWithCookie(n.uri("/s?op=get&name=l"), cookie).value("value"),
                    "the other node's item stays, the refused one is not stored");
        }
    }

    // 4
    @Test
    void expiryFiresSessionDestroyedExactlyOnceAcrossThreeNodes() throws Exception {
        String url = Services.redisUrl();
        RunningServer[] nodes = {node(url), node(url), node(url)};
        Set<String> ids = new java.util.HashSet<>();
        for (int i = 0; i < 200; i++) {
            Client.Reply r = new Client().get(nodes[i % 3].uri("/s?op=expiring&name=n&value=v" + i + "&secs=1"));
            ids.add(r.value("session") + " {n=v" + i + "}");
        }
        assertEquals(200, ids.size());
        long deadline = System.currentTimeMillis() + 30_000;
        List<String> destroyed;
        do {
            Thread.sleep(500);
            destroyed = destroyedEvents(nodes);
        } while (destroyed.size() < 200 && System.currentTimeMillis() < deadline);
        Thread.sleep(1500); // further sweeps on every node must not fire any again
        destroyed = destroyedEvents(nodes);
        System.out.println(
                "[redis] sessionDestroyed events across 3 nodes for 200 expired sessions: " + destroyed.size());
        assertEquals(200, destroyed.size(), "exactly once each, in total");
        assertEquals(ids, Set.copyOf(destroyed), "every session, with its attributes readable");
        List<String> annotated = destroyedEvents(nodes, "ann");
        assertEquals(200, annotated.size(), "the other listener too");
        assertEquals(ids, Set.copyOf(annotated));
    }

    private static List<String> destroyedEvents(RunningServer[] nodes) {
        return destroyedEvents(nodes, "xml");
    }

    /** The sessionDestroyed events one of the app's listeners heard, over every node. */
    private static List<String> destroyedEvents(RunningServer[] nodes, String listener) {
        List<String> out = new ArrayList<>();
        String start = listener + " destroyed ";
        for (RunningServer n : nodes) {
            for (String line : new Client().get(n.uri("/events")).body().split("\n")) {
                if (line.startsWith(start) && line.contains("{n=v"))
                    out.add(line.substring(start.length()).trim());
            }
        }
        return out;
    }

    private static long total(Map<String, Long> before, Map<String, Long> after) {
        long sum = 0;
        for (Map.Entry<String, Long> e : after.entrySet()) {
            if (e.getKey().equals("info")
                    || e.getKey().startsWith("client")
                    || e.getKey().equals("ping")) continue;
            sum += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return sum;
    }

    // 5
    @Test
    void redisCommandsPerRequest() throws Exception {
        try (PrivateRedis redis = new PrivateRedis()) {
            RedisStore storeA = TestRedisStores.redis(redis.url(), prefix, Clock.systemUTC());
            RedisStore storeB = TestRedisStores.redis(redis.url(), prefix, Clock.systemUTC());
            RunningServer a = node(storeA);
            RunningServer b = node(storeB);
            long deadline = System.currentTimeMillis() + 5000;
            while (!(storeA.isChangeFeedLive() && storeB.isChangeFeedLive()) && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            storeA.load("warm-up"); // connections are made lazily; measure requests, not connecting
            storeB.load("warm-up");
            // B's copy of A's change notices: the cold read waits until B has A's last notice, or a notice arriving
            // during it would leave B's copy uncached and its access time written through (a second round trip).
            java.util.concurrent.BlockingQueue<String> noticesAtB = new java.util.concurrent.LinkedBlockingQueue<>();
            storeB.addChangeListener(new dev.unisession.store.ChangeFeed.ChangeListener() {
                @Override
                public void changed(String id) {
                    noticesAtB.add(id);
                }

                @Override
                public void reset() {}
            });
            Resp resp = redis.resp();
            Client c = new Client();

            long rt = storeA.roundTrips();
            Map<String, Long> before = resp.commandCalls();
            c.get(a.uri("/s?op=set3&value=new"));
            long newRt = storeA.roundTrips() - rt;
            long newCmds = total(before, resp.commandCalls());

            rt = storeA.roundTrips();
            before = resp.commandCalls();
            c.get(a.uri("/s?op=get&name=a"));
            long readRt = storeA.roundTrips() - rt;
            long readCmds = total(before, resp.commandCalls());

            noticesAtB.clear(); // a new session is not announced: the write's notice is the first
            rt = storeA.roundTrips();
            Map<String, Long> beforeWrite = resp.commandCalls();
            c.get(a.uri("/s?op=set3&value=again"));
            long writeRt = storeA.roundTrips() - rt;
            Map<String, Long> afterWrite = resp.commandCalls();
            long writeCmds = total(beforeWrite, afterWrite);

            assertTrue(
                    noticesAtB.poll(10, java.util.concurrent.TimeUnit.SECONDS) != null,
                    "node B receives node A's change notice");
            long rtB = storeB.roundTrips();
            before = resp.commandCalls();
            Client.Reply cold = c.get(b.uri("/s?op=get&name=a"));
            long coldRt = storeB.roundTrips() - rtB;
            long coldCmds = total(before, resp.commandCalls());
            assertEquals("again-a", cold.value("value"));

            System.out.printf(
                    "[redis] %s: new session + 3 attributes: %d round trip(s), %d commands%n",
                    container(), newRt, newCmds);
            System.out.printf(
                    "[redis] %s: read-only request, warm near cache: %d round trip(s), %d commands%n",
                    container(), readRt, readCmds);
            System.out.printf(
                    "[redis] %s: request setting 3 attributes: %d round trip(s), %d commands counted by "
                            + "Redis, script-internal ones included (%s)%n",
                    container(), writeRt, writeCmds, diff(beforeWrite, afterWrite));
            System.out.printf(
                    "[redis] %s: read-only request on a cold node: %d round trip(s), %d commands%n",
                    container(), coldRt, coldCmds);
            assertEquals(0, readRt);
            assertEquals(0, readCmds);
            assertEquals(1, writeRt);
            assertEquals(1, newRt);
            assertEquals(1, coldRt);
            assertEquals(1, coldCmds, "one HGETALL");
        }
    }

    private static String diff(Map<String, Long> before, Map<String, Long> after) {
        StringBuilder sb = new StringBuilder();
        after.forEach((k, v) -> {
            long d = v - before.getOrDefault(k, 0L);
            if (d > 0 && !k.equals("info")) sb.append(k).append('=').append(d).append(' ');
        });
        return sb.toString().trim();
    }

    // 6
    @Test
    void aDeadRedisFailsFastAndHonestly() throws Exception {
        try (PrivateRedis redis = new PrivateRedis()) {
            RunningServer n = node(redis.url());
            Client c = new Client();
            c.get(n.uri("/s?op=set&name=a&value=1"));
            redis.kill();
            int slow = 0;
            List<String> notUnavailable = new ArrayList<>();
            List<Long> times = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Client client = i % 2 == 0 ? c : new Client();
                long t0 = System.nanoTime();
                Client.Reply r = client.get(n.uri("/s?op=set&name=b&value=" + i));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                times.add(ms);
                // A refused connection is evidence that Redis is gone: no retry, no wait for a deadline. Redisson's
                // defaults (3 s timeout, 4 retries) would hold each call over 12 s. Not a speed goal (see bench/).
                if (ms > 3000) slow++;
                // Every request needs the store (a load, or the save of a new session): each is answered 503 with
                // Retry-After and no cookie, never 200 with a new, empty session or a lost write.
                if (r.status() != 503
                        || !"1".equals(r.header("Retry-After"))
                        || !r.setCookies().isEmpty()) {
                    notUnavailable.add(r.status() + " " + r.setCookies());
                }
            }
            System.out.println("[redis] " + container() + ": request times with Redis dead (ms): " + times);
            assertEquals(0, slow, "requests stuck on the dead Redis: " + times);
            assertEquals(List.of(), notUnavailable, "answers other than 503 + Retry-After without a cookie");
        }
    }

    // 8
    @Test
    void theHashHoldsOnlyAllowedBytesAndNoToken() throws Exception {
        RunningServer n = node(TestRedisStores.redis(Services.redisUrl(), prefix, Clock.systemUTC()));
        Client c = new Client();
        Client.Reply r = c.get(n.uri("/s?op=set&name=s&value=hello"));
        c.get(n.uri("/s?op=cart-add&value=kiwi"));
        c.get(n.uri("/s?op=list-add&name=l&value=q"));
        String token = c.cookie(SessionSuite.COOKIE);
        String id = r.value("session");
        Resp resp = new Resp(Services.REDIS_PORT);
        Map<String, byte[]> hash = resp.hgetall(prefix + "{" + id + "}");
        assertEquals(
                Set.of(".s", ".cart", ".l"),
                hash.keySet().stream().filter(k -> k.startsWith(".")).collect(Collectors.toSet()));
        AttributeCodec strict = new AttributeCodec(
                getClass().getClassLoader(), name -> name.startsWith("dev.unisession.it.app."), List.of());
        for (Map.Entry<String, byte[]> e : hash.entrySet()) {
            String text = new String(e.getValue(), StandardCharsets.ISO_8859_1);
            assertFalse(text.contains(token) || text.contains(token.split("\\.")[2]), "no token in " + e.getKey());
            if (e.getKey().startsWith(".")) strict.decode(e.getValue()); // throws if a class is not allowed
        }
        for (String key : resp.keys(prefix + "*")) {
            assertFalse(key.contains(token.split("\\.")[1]), "no token in key " + key);
        }
        assertNotEquals(token, id);
        assertTrue(new String(hash.get(".cart"), StandardCharsets.ISO_8859_1).contains("dev.unisession.it.app.Cart"));
    }
}
