package dev.unisession.bench;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The checking load client of {@code bench/run.sh --two-node}: the same sessions used from two server nodes at once,
 * without affinity, and every answer checked against what the client knows.
 *
 * <ol>
 *   <li>Seeds {@code --sessions} sessions ({@link BenchServlet} {@code op=seed}, alternately on each node) and reads
 *       each back from the other node, which also tells the session's id.</li>
 *   <li>Runs {@code --connections} client threads per node for {@code --seconds}, each request on a random one of
 *       the sessions: 90 % {@code op=check} (the three seeded attributes must be there, in the same session: a 404,
 *       a missing attribute, another session's id or a {@code Set-Cookie} for another session or clearing the cookie
 *       counts as a read that found no data), 10 % {@code op=set} of an attribute of its own unique name
 *       ({@code w-<client>-<n>}), remembered as acknowledged when the answer was 2xx in the same session.</li>
 *   <li>Optionally SIGSTOPs a private Redis ({@code --pause-pid}, never a server on 6379) for {@code --pause-ms}
 *       every {@code --pause-every-ms} during the load.</li>
 *   <li>Then, 1 s later, lists every session's attribute names ({@code op=names}) on each node and counts the
 *       acknowledged writes missing: on every node (lost) or on some (stale).</li>
 * </ol>
 *
 * The client keeps one cookie jar per session, as a browser would (the version hint cookie included, keeping the
 * newest), shared by the threads that use the session. Prints a summary, one tab-separated {@code RESULT} line for
 * the script, and a {@code FAIL} line for each violated expectation (only 2xx and 503 answers, every 503 with
 * {@code Retry-After}, every request answered, 0 reads that found no data, 0 acknowledged writes lost or stale);
 * exits 1 when there is one, 2 when the setup itself failed.
 */
public final class TwoNodeLoad {

    /** One seeded session as the client knows it. */
    static final class Sess {
        final int index;
        final String id;
        final String sidInCookie;
        final AtomicReference<String> cookie;
        final Set<String> acked = ConcurrentHashMap.newKeySet();

        Sess(int index, String id, String sidInCookie, String cookie) {
            this.index = index;
            this.id = id;
            this.sidInCookie = sidInCookie;
            this.cookie = new AtomicReference<>(cookie);
        }
    }

    private final List<URI> nodes = new ArrayList<>();
    private final List<HttpClient> clients = new ArrayList<>();
    private String label = "run";
    private int sessionCount = 64;
    private int perNode = 32;
    private int seconds = 60;
    private int writePercent = 10;
    private String cookieName = "USESSION";
    private long pausePid = -1;
    private long pauseMs = 300;
    private long pauseEveryMs = 2000;
    private Duration requestTimeout = Duration.ofSeconds(10);
    private Path resultFile;
    /** The pauses of a private Redis ({@code --pause-pid}), or null. */
    private RedisPauser pauser;

    private final List<Sess> sessions = new ArrayList<>();
    private final TwoNodeTally tally = new TwoNodeTally();
    private final AtomicInteger examples = new AtomicInteger();

    private TwoNodeLoad() {}

    public static void main(String[] args) throws Exception {
        TwoNodeLoad load = new TwoNodeLoad();
        try {
            load.parse(args);
        } catch (RuntimeException e) {
            System.out.println("usage: TwoNodeLoad --nodes URL,URL [--label L] [--sessions 64] [--connections 32]"
                    + " [--seconds 60] [--write-percent 10] [--cookie USESSION] [--pause-pid PID --pause-ms 300"
                    + " --pause-every-ms 2000] [--result FILE]: " + e.getMessage());
            System.exit(2);
        }
        System.exit(load.run());
    }

    private void parse(String[] args) {
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) throw new IllegalArgumentException("no value for " + args[i]);
            String v = args[i + 1];
            switch (args[i]) {
                case "--nodes" -> Arrays.stream(v.split(",")).map(URI::create).forEach(nodes::add);
                case "--label" -> label = v;
                case "--sessions" -> sessionCount = Integer.parseInt(v);
                case "--connections" -> perNode = Integer.parseInt(v);
                case "--seconds" -> seconds = Integer.parseInt(v);
                case "--write-percent" -> writePercent = Integer.parseInt(v);
                case "--cookie" -> cookieName = v;
                case "--pause-pid" -> pausePid = Long.parseLong(v);
                case "--pause-ms" -> pauseMs = Long.parseLong(v);
                case "--pause-every-ms" -> pauseEveryMs = Long.parseLong(v);
                case "--request-timeout-ms" -> requestTimeout = Duration.ofMillis(Long.parseLong(v));
                case "--result" -> resultFile = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (nodes.size() < 2) throw new IllegalArgumentException("--nodes needs two URLs");
        if (pausePid > 0 && pauseMs >= pauseEveryMs)
            throw new IllegalArgumentException("--pause-ms >= --pause-every-ms");
    }

    private int run() throws Exception {
        for (int i = 0; i < nodes.size(); i++) {
            clients.add(HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build());
        }
        pauser = pausePid > 0 ? new RedisPauser(pausePid, pauseMs, pauseEveryMs) : null;
        say("[%s] seeding %d sessions on %d nodes", label, sessionCount, nodes.size());
        try {
            seed();
        } catch (IOException e) {
            say("FAIL %s: setup: %s", label, e.getMessage());
            result(0, "setup failed", new TwoNodeTally.Final(0, 0, 0, new long[nodes.size()], 0));
            return 2;
        }
        say(
                "[%s] load: %d s, %d client threads per node, %d %% writes%s",
                label,
                seconds,
                perNode,
                writePercent,
                pausePid > 0
                        ? String.format(
                                Locale.ROOT,
                                ", Redis pid %d stopped %d ms every %d ms",
                                pausePid,
                                pauseMs,
                                pauseEveryMs)
                        : "");
        AtomicBoolean running = new AtomicBoolean(true);
        Thread pausing = null;
        if (pauser != null) {
            pausing = new Thread(() -> pauser.run(running), "redis-pauser");
            pausing.start();
        }
        long started = System.nanoTime();
        long deadline = started + seconds * 1_000_000_000L;
        List<Thread> workers = new ArrayList<>();
        for (int n = 0; n < nodes.size(); n++) {
            for (int c = 0; c < perNode; c++) {
                int node = n;
                String client = n + "." + c;
                Thread t = new Thread(() -> work(node, client, deadline), "client-" + client);
                t.start();
                workers.add(t);
            }
        }
        for (Thread t : workers) t.join();
        double elapsed = (System.nanoTime() - started) / 1e9;
        running.set(false);
        if (pausing != null) pausing.join();
        Thread.sleep(1000); // let write-behind and near-cache invalidations settle before the final reads

        say("[%s] final state of every session on every node", label);
        long finalDeadline = System.nanoTime() + 120_000_000_000L;
        TwoNodeTally.Final state =
                TwoNodeTally.Final.of(sessions, nodes.size(), (n, session) -> names(n, session, finalDeadline));
        tally.judge(label, elapsed, state, pauser);
        result(elapsed, null, state);
        return tally.failures.isEmpty() ? 0 : 1;
    }

    /** The tab-separated line bench/tomcat.sh turns into the Markdown table (also written to --result). */
    private void result(double elapsed, String note, TwoNodeTally.Final state) throws IOException {
        String line = tally.resultLine(label, elapsed, note, state, pauser == null ? 0 : pauser.pauses());
        System.out.println(line);
        if (resultFile != null) Files.writeString(resultFile, line + "\n");
    }

    static void say(String format, Object... args) {
        System.out.println(String.format(Locale.ROOT, format, args));
    }

    // ---------------------------------------------------------------------------------------------------------

    private HttpResponse<String> get(int node, String pathAndQuery, String cookie)
            throws IOException, InterruptedException {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(nodes.get(node).resolve(pathAndQuery)).timeout(requestTimeout);
        if (cookie != null) b.header("Cookie", cookie);
        return clients.get(node).send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A request, resent once when the connection failed (a GET of this servlet may be repeated safely). */
    private HttpResponse<String> getRetrying(int node, String pathAndQuery, String cookie)
            throws IOException, InterruptedException {
        try {
            return get(node, pathAndQuery, cookie);
        } catch (IOException e) {
            tally.transportRetries.increment();
            return get(node, pathAndQuery, cookie);
        }
    }

    /** Each session: made on one node, read back on the other (with a few tries past 503s). */
    private void seed() throws IOException, InterruptedException {
        for (int i = 0; i < sessionCount; i++) {
            int node = i % nodes.size();
            HttpResponse<String> r = untilAnswered(node, "/bench?op=seed", null, 20);
            List<String> pairs = new ArrayList<>();
            for (String h : r.headers().allValues("set-cookie")) {
                int semi = h.indexOf(';');
                pairs.add(semi < 0 ? h : h.substring(0, semi));
            }
            String cookie = String.join("; ", pairs);
            String value = CookieJar.cookieValue(cookie, cookieName);
            if (r.statusCode() != 200 || value == null) {
                throw new IOException("seed on node " + (node + 1) + " answered " + r.statusCode() + " with cookies ["
                        + cookie + "] (no " + cookieName + ": is the filter deployed?)");
            }
            int other = (node + 1) % nodes.size();
            HttpResponse<String> c = untilAnswered(other, "/bench?op=check", cookie, 20);
            String[] f = c.body().trim().split(" ");
            if (c.statusCode() != 200 || f.length < 4 || "null".equals(f[1]) || !"member".equals(f[2])) {
                throw new IOException("session #" + i + " made on node " + (node + 1) + " reads on node " + (other + 1)
                        + " as " + c.statusCode() + " '" + c.body().trim() + "'");
            }
            sessions.add(new Sess(i, f[0], CookieJar.sidOf(value), cookie));
        }
    }

    private HttpResponse<String> untilAnswered(int node, String path, String cookie, int tries)
            throws IOException, InterruptedException {
        IOException last = null;
        for (int t = 0; t < tries; t++) {
            try {
                HttpResponse<String> r = get(node, path, cookie);
                if (r.statusCode() != 503) return r;
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(250);
        }
        throw new IOException("node " + (node + 1) + " " + path + ": no answer but 503 in " + tries + " tries"
                + (last != null ? " (" + last + ")" : ""));
    }

    private void work(int node, String client, long deadline) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        long n = 0;
        while (System.nanoTime() < deadline) {
            Sess s = sessions.get(rnd.nextInt(sessions.size()));
            boolean write = rnd.nextInt(100) < writePercent;
            String name = write ? "w-" + client + "-" + (n++) : null;
            String path =
                    write ? "/bench?op=set&name=" + URLEncoder.encode(name, StandardCharsets.UTF_8) : "/bench?op=check";
            HttpResponse<String> r;
            try {
                r = getRetrying(node, path, s.cookie.get());
            } catch (IOException e) {
                tally.transportErrors.increment();
                if (examples.incrementAndGet() <= 10) say("  node %d %s: %s", node + 1, path, e);
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            tally.requests.increment();
            (write ? tally.writes : tally.reads).increment();
            int status = r.statusCode();
            tally.statuses.computeIfAbsent(status, k -> new LongAdder()).increment();
            boolean sameSession = cookies(r, s);
            if (status == 503) {
                if (r.headers().firstValue("retry-after").isEmpty()) tally.unavailableWithoutRetryAfter.increment();
                if (!r.headers().allValues("set-cookie").isEmpty()) tally.unavailableWithCookie.increment();
            }
            boolean ok = status >= 200 && status < 300;
            String body = r.body().trim();
            if (write) {
                if (ok && sameSession && body.equals(s.id)) {
                    s.acked.add(name);
                } else if (ok || status == 404) {
                    tally.writesOtherSession.increment();
                    example(node, path, s, r);
                }
            } else if (status == 404 || (ok && !(sameSession && checks(body, s)))) {
                tally.readsNoData.increment();
                example(node, path, s, r);
            }
        }
    }

    private static boolean checks(String body, Sess s) {
        String[] f = body.split(" ");
        return f.length == 4
                && f[0].equals(s.id)
                && f[1].startsWith("user")
                && f[2].equals("member")
                && !f[3].equals("null");
    }

    private void example(int node, String path, Sess s, HttpResponse<String> r) {
        if (examples.incrementAndGet() <= 10) {
            String body = r.body().trim();
            say(
                    "  node %d %s session #%d: %d '%s' set-cookie=%s",
                    node + 1,
                    path,
                    s.index,
                    r.statusCode(),
                    body.length() > 120 ? body.substring(0, 120) + "…" : body,
                    r.headers().allValues("set-cookie"));
        }
    }

    /**
     * Takes the cookies the answer sets into the session's cookie jar, as a browser would (the version hint cookie
     * too), except a session cookie for another session or one that clears it: the client keeps testing its own
     * session then, and the answer counts as not for this session (false).
     */
    private boolean cookies(HttpResponse<String> r, Sess s) {
        boolean same = true;
        for (String h : r.headers().allValues("set-cookie")) {
            int eq = h.indexOf('=');
            if (eq < 0) continue;
            String name = h.substring(0, eq).trim();
            int semi = h.indexOf(';');
            String value = h.substring(eq + 1, semi < 0 ? h.length() : semi).trim();
            String lower = h.toLowerCase(Locale.ROOT);
            boolean cleared =
                    value.isEmpty() || lower.contains("max-age=0") || lower.contains("expires=thu, 01 jan 1970");
            if (name.equals(cookieName)) {
                String sid = cleared ? null : CookieJar.sidOf(value);
                if (sid == null || !sid.equals(s.sidInCookie)) {
                    tally.foreignCookies.increment();
                    same = false;
                    continue;
                }
                if (!value.equals(CookieJar.cookieValue(s.cookie.get(), cookieName))) tally.cookiesReissued.increment();
            }
            if (name.equals(cookieName + "_V") && !cleared) {
                // The version hint: keep the newest this client was given (answers of concurrent requests on one
                // session arrive in any order; one browser tab would never see an older one after a newer one).
                s.cookie.updateAndGet(
                        jar -> CookieJar.version(value) >= CookieJar.version(CookieJar.cookieValue(jar, name))
                                ? CookieJar.setCookie(jar, name, value)
                                : jar);
            } else {
                s.cookie.updateAndGet(jar -> CookieJar.setCookie(jar, name, cleared ? null : value));
            }
        }
        return same;
    }

    /** A session's attribute names on one node, past 503s and connection failures until the deadline. */
    private Optional<Set<String>> names(int node, Sess s, long deadline) throws InterruptedException {
        String last = "";
        for (int t = 0; t < 40 && System.nanoTime() < deadline; t++) {
            try {
                HttpResponse<String> r = get(node, "/bench?op=names", s.cookie.get());
                if (r.statusCode() == 200) {
                    List<String> lines = List.of(r.body().split("\n"));
                    if (!lines.get(0).trim().equals(s.id)) {
                        say(
                                "  final read of session #%d on node %d answered for session %s",
                                s.index, node + 1, lines.get(0));
                        return Optional.empty();
                    }
                    return Optional.of(new HashSet<>(lines.subList(1, lines.size())));
                }
                last = r.statusCode() + " " + r.body().trim();
                if (r.statusCode() != 503) break;
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        say("  final read of session #%d on node %d failed: %s", s.index, node + 1, last);
        return Optional.empty();
    }
}
