package dev.unisession.it;

import static dev.unisession.it.Distribution.plainWar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.it.Distribution.Server;
import dev.unisession.testing.Resp;
import dev.unisession.testing.Services;
import dev.unisession.testing.TestDatabase;
import dev.unisession.testing.TestStores;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Redeploys leave nothing behind (issue 25): a plain WAR with the -all jar in WEB-INF/lib is redeployed
 * {@code it.unisession.redeploys} times (5 in the normal suite, 20 with {@code mvn -P redeploy verify}) on the real
 * Tomcat 11 (Manager reload) and Jetty 12 (the WAR touched, hot deploy) distributions with store=memory, redis and
 * tiered (Redis + PostgreSQL). After a full GC of the server JVM ({@code jcmd}) exactly the live deployment's class
 * loader remains, Metaspace is within 10 MB of its value after the first deployment, the unisession threads are
 * those of one deployment, Tomcat logged no leak warning at any undeploy and its {@code findleaks} lists nothing,
 * and a session made by the first deployment is still counting in the last (shared stores).
 */
class RedeployTest {

    private static final int REDEPLOYS = Integer.getInteger("it.unisession.redeploys", 5);
    private static final long METASPACE_SLACK_KB = 10 * 1024;
    private static final String MANAGER_USER = "redeploy";
    private static final String MANAGER_PASSWORD = "redeploy-" + Long.toHexString(System.nanoTime());
    private static final Pattern LEAK_WARNING = Pattern.compile(
            "(?i).*(failed to stop|failed to remove|memory leak).*");

    private final String keys = Keys.entry("k1", Keys.secret());
    private final String prefix = TestStores.uniquePrefix();
    private final List<Server> servers = new ArrayList<>();
    private TestDatabase db;

    @AfterEach
    void cleanUp() {
        for (Server s : servers) s.stop();
        new Resp(Services.REDIS_PORT).deleteAll(prefix + "*");
        if (db != null) db.close();
    }

    private List<String> settings(String store) {
        List<String> s = new ArrayList<>(List.of("-Xmx384m", "-Dunisession.store=" + store,
                "-Dunisession.redis.url=" + Services.redisUrl(), "-Dunisession.redis.prefix=" + prefix,
                "-Dunisession.token.keys=" + keys, "-Dunisession.cookie.secure=false"));
        if (store.equals("tiered")) {
            db = TestDatabase.create(TestDatabase.Kind.POSTGRES);
            s.add("-Dunisession.jpa.url=" + db.url());
            s.add("-Dunisession.jpa.user=" + db.user());
        }
        return s;
    }

    /** The WAR: the plain servlets, the -all jar and (tiered) the JDBC driver in WEB-INF/lib. */
    private static Path war(String store) throws IOException {
        List<Path> libs = new ArrayList<>(List.of(AllJarTest.allJar()));
        if (store.equals("tiered")) libs.add(Path.of(System.getProperty("it.unisession.postgresJar")));
        return plainWar(Files.createTempDirectory("war").resolve("app"), libs);
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "redis", "tiered"})
    void tomcat(String store) throws Exception {
        Server s = Distribution.tomcat(war(store), false, settings(store));
        servers.add(s);
        Path home = Distribution.dir("it.unisession.tomcatDist");
        Distribution.copyTree(home.resolve("webapps/manager"), s.base.resolve("webapps/manager"));
        Path users = s.base.resolve("conf/tomcat-users.xml");
        Files.writeString(users, Files.readString(users).replace("</tomcat-users>",
                "  <role rolename=\"manager-script\"/>\n  <user username=\"" + MANAGER_USER + "\" password=\""
                        + MANAGER_PASSWORD + "\" roles=\"manager-script\"/>\n</tomcat-users>"));
        s.start();
        // the application's loader and the Manager's
        redeploys(s, store, "org\\.apache\\.catalina\\.loader\\.ParallelWebappClassLoader", 2, () -> {
            String reloaded = manager(s, "reload?path=/app");
            assertTrue(reloaded.startsWith("OK"), reloaded + s.log());
        });
        List<String> warnings = s.fullLog().lines().filter(l -> LEAK_WARNING.matcher(l).matches()).toList();
        assertEquals(List.of(), warnings, "Tomcat's undeploy warnings");
        String leaks = manager(s, "findleaks?statusLine=true");
        assertTrue(leaks.startsWith("OK") && leaks.strip().lines().count() == 1, "findleaks: " + leaks);
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "redis", "tiered"})
    void jetty(String store) throws Exception {
        Server s = Distribution.jetty(null, false, settings(store), List.of("jetty.deploy.scanInterval=1"));
        servers.add(s);
        Path warFile = s.base.resolve("webapps/app.war");
        zip(war(store), warFile);
        s.start();
        redeploys(s, store, "org\\.eclipse\\.jetty\\..*WebAppClassLoader", 1, () -> {
            String before = deployment(s);
            Files.setLastModifiedTime(warFile, FileTime.fromMillis(System.currentTimeMillis()));
            long deadline = System.currentTimeMillis() + 60_000;
            while (before.equals(deployment(s))) {
                assertTrue(System.currentTimeMillis() < deadline, "no redeploy within 60 s:\n" + s.log());
                Thread.sleep(200);
            }
        });
    }

    private interface Redeploy {
        void run() throws Exception;
    }

    /** Redeploys, then checks the loaders, Metaspace and threads against their values after the first deployment. */
    private void redeploys(Server s, String store, String loaderClass, int loadersLive, Redeploy redeploy)
            throws Exception {
        boolean shared = !store.equals("memory");
        long pid = s.process.pid();
        awaitDeployed(s);
        HttpResponse<String> first = s.get("/app/count", null);
        assertEquals(200, first.statusCode(), first.body() + s.log());
        String cookie = cookieOf(first);
        assertNotNull(cookie, first.headers().map().toString());
        assertTrue(s.get("/app/count", cookie).body().contains("count=2"));
        assertEquals(loadersLive, loaders(pid, loaderClass), "class loaders after the first deployment");
        long metaspaceFirst = metaspaceKb(pid);
        TreeMap<String, Integer> threadsFirst = ourThreads(pid);
        long started = System.nanoTime();
        for (int i = 1; i <= REDEPLOYS; i++) {
            redeploy.run();
            awaitDeployed(s);
            HttpResponse<String> r = s.get("/app/count", cookie);
            assertEquals(200, r.statusCode(), r.body() + s.log());
            // two visits per deployment: the second runs on another request thread
            if (shared) assertTrue(r.body().contains("count=" + (2 * i + 1)), "the session survived redeploy " + i
                    + ": " + r.body());
            assertEquals(200, s.get("/app/count", cookie).statusCode());
        }
        long redeployMillis = (System.nanoTime() - started) / 1_000_000;
        int loaders = loaders(pid, loaderClass);
        long deadline = System.currentTimeMillis() + 30_000;
        while (loaders != loadersLive && System.currentTimeMillis() < deadline) {
            Thread.sleep(1_000); // threads of the last undeployed application may still be ending
            loaders = loaders(pid, loaderClass);
        }
        long metaspace = metaspaceKb(pid);
        TreeMap<String, Integer> threads = ourThreads(pid);
        System.out.printf(Locale.ROOT, "[redeploy] %s %s: %d redeploys in %d ms; class loaders %d (after the first "
                        + "deployment %d); Metaspace used %d KB (after the first deployment %d KB, +%d KB); "
                        + "threads %s (after the first deployment %s)%n",
                loaderClass.contains("catalina") ? "tomcat" : "jetty", store, REDEPLOYS, redeployMillis,
                loaders, loadersLive, metaspace,
                metaspaceFirst, metaspace - metaspaceFirst, threads, threadsFirst);
        if (loaders != loadersLive && System.getProperty("it.unisession.heapDumpDir") != null) {
            // mvn ... -Dit.unisession.heapDumpDir=/tmp: the server's heap, to find what holds the old loaders
            Path dump = Path.of(System.getProperty("it.unisession.heapDumpDir"), "redeploy-" + store + "-" + pid
                    + ".hprof");
            jcmd(pid, "GC.heap_dump", dump.toString());
            System.out.println("[redeploy] heap dump: " + dump);
        }
        if (loaders != loadersLive) {
            assertEquals(loadersLive, loaders, "class loaders after " + REDEPLOYS + " redeploys and a full GC; "
                    + "classes with instances from more than one deployment:\n" + survivors(pid));
        }
        assertTrue(metaspace - metaspaceFirst <= METASPACE_SLACK_KB, "Metaspace used grew from " + metaspaceFirst
                + " KB to " + metaspace + " KB");
        assertEquals(threadsFirst, threads, "the threads of unisession and its libraries, by name prefix");
    }

    /** Waits until the application answers (a deployment can take a moment after the server opened its port). */
    private static void awaitDeployed(Server s) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (s.get("/app/deployment", null).statusCode() != 200) {
            assertTrue(System.currentTimeMillis() < deadline, "the application did not start:\n" + s.log());
            Thread.sleep(200);
        }
    }

    private static String deployment(Server s) throws Exception {
        HttpResponse<String> r = s.get("/app/deployment", null);
        return r.statusCode() + " " + r.body();
    }

    private static String manager(Server s, String command) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port + "/manager/text/" + command))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (MANAGER_USER + ":" + MANAGER_PASSWORD).getBytes(StandardCharsets.UTF_8))).build();
        return Distribution.HTTP.send(r, HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String cookieOf(HttpResponse<String> r) {
        for (String c : r.headers().allValues("Set-Cookie")) {
            if (c.startsWith("USESSION=")) return c.substring(0, c.indexOf(';'));
        }
        return null;
    }

    private static String jcmd(long pid, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid)));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        return out;
    }

    /** Instances of the class loader classes (a regex) after a full GC (the histogram of live objects runs one). */
    private static int loaders(long pid, String loaderClass) throws Exception {
        int n = 0;
        for (String line : jcmd(pid, "GC.class_histogram").lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[3].matches(loaderClass)) n += Integer.parseInt(f[1]);
        }
        return n;
    }

    /** Histogram rows of classes whose name shows more than once (one row per loader): what old deployments kept. */
    private static String survivors(long pid) throws Exception {
        TreeMap<String, List<String>> rows = new TreeMap<>();
        for (String line : jcmd(pid, "GC.class_histogram").lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":")) rows.computeIfAbsent(f[3], k -> new ArrayList<>()).add(f[1]);
        }
        StringBuilder b = new StringBuilder();
        rows.forEach((name, counts) -> {
            if (counts.size() > 1) b.append("  ").append(name).append(' ').append(counts).append('\n');
        });
        return b.toString();
    }

    private static final Pattern METASPACE = Pattern.compile("Metaspace\\s+used (\\d+)K");

    private static long metaspaceKb(long pid) throws Exception {
        jcmd(pid, "GC.run");
        String info = jcmd(pid, "GC.heap_info");
        Matcher m = METASPACE.matcher(info);
        assertTrue(m.find(), info);
        return Long.parseLong(m.group(1));
    }

    /** Threads of unisession and of the libraries it carries, counted by name without its trailing numbers. */
    private static TreeMap<String, Integer> ourThreads(long pid) throws Exception {
        TreeMap<String, Integer> out = new TreeMap<>();
        Pattern name = Pattern.compile("^\"([^\"]+)\"");
        for (String line : jcmd(pid, "Thread.print").lines().toList()) {
            Matcher m = name.matcher(line);
            if (!m.find()) continue;
            String n = m.group(1);
            String lower = n.toLowerCase(Locale.ROOT);
            if (lower.startsWith("unisession") || lower.contains("redisson") || lower.contains("netty")
                    || lower.contains("completablefuture") || lower.contains("eclipselink")
                    || lower.contains("caffeine")) {
                out.merge(n.replaceAll("[-\\d]+$", ""), 1, Integer::sum);
            }
        }
        return out;
    }

    private static void zip(Path dir, Path zipFile) throws IOException {
        try (OutputStream out = Files.newOutputStream(zipFile); ZipOutputStream zip = new ZipOutputStream(out);
             Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (Files.isDirectory(p)) continue;
                zip.putNextEntry(new ZipEntry(dir.relativize(p).toString().replace('\\', '/')));
                Files.copy(p, zip);
                zip.closeEntry();
            }
        }
    }
}
