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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Redeploys leave nothing behind (issue 25): a plain WAR with the -all jar in WEB-INF/lib, or (server-wide route,
 * {@code sharedLib}) with the jar in the server's lib and the filter in its web.xml, is redeployed
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
    private static final Pattern LEAK_WARNING =
            Pattern.compile("(?i).*(failed to stop|failed to remove|memory leak).*");

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
        List<String> s = new ArrayList<>(List.of(
                "-Xmx384m",
                "-Dunisession.store=" + store,
                "-Dunisession.redis.url=" + Services.redisUrl(),
                "-Dunisession.redis.prefix=" + prefix,
                "-Dunisession.token.keys=" + keys,
                "-Dunisession.cookie.secure=false"));
        if (store.equals("tiered")) {
            db = TestDatabase.create(TestDatabase.Kind.POSTGRES);
            s.add("-Dunisession.jpa.url=" + db.url());
            s.add("-Dunisession.jpa.user=" + db.user());
        }
        return s;
    }

    /**
     * The WAR: the plain servlets, the -all jar and (tiered) the JDBC driver in WEB-INF/lib; with {@code sharedLib}
     * (the server-wide route: the jar in the server's lib, the filter in its web.xml) the servlets alone.
     */
    private static Path war(String store, boolean sharedLib) throws IOException {
        if (sharedLib) return plainWar(Files.createTempDirectory("war").resolve("app"), List.of());
        List<Path> libs = new ArrayList<>(List.of(AllJarTest.allJar()));
        if (store.equals("tiered")) libs.add(Path.of(System.getProperty("it.unisession.postgresJar")));
        return plainWar(Files.createTempDirectory("war").resolve("app"), libs);
    }

    /** store, sharedLib: WEB-INF/lib, or the server-wide route (the library's threads must hold no app's loader). */
    @ParameterizedTest(name = "{0} sharedLib={1}")
    @CsvSource({"memory,false", "redis,false", "tiered,false", "memory,true", "redis,true"})
    void tomcat(String store, boolean sharedLib) throws Exception {
        Server s = Distribution.tomcat(war(store, sharedLib), sharedLib, settings(store));
        servers.add(s);
        Path home = Distribution.dir("it.unisession.tomcatDist");
        Distribution.copyTree(home.resolve("webapps/manager"), s.base.resolve("webapps/manager"));
        Path users = s.base.resolve("conf/tomcat-users.xml");
        Files.writeString(
                users,
                Files.readString(users)
                        .replace(
                                "</tomcat-users>",
                                "  <role rolename=\"manager-script\"/>\n  <user username=\"" + MANAGER_USER
                                        + "\" password=\"" + MANAGER_PASSWORD
                                        + "\" roles=\"manager-script\"/>\n</tomcat-users>"));
        s.start();
        // the application's loader and the Manager's
        redeploys(s, store, sharedLib, "org\\.apache\\.catalina\\.loader\\.ParallelWebappClassLoader", 2, () -> {
            String reloaded = manager(s, "reload?path=/app");
            assertTrue(reloaded.startsWith("OK"), reloaded + s.log());
        });
        assertEquals(List.of(), leakWarnings(s.fullLog()), "Tomcat's undeploy warnings");
        String leaks = manager(s, "findleaks?statusLine=true");
        assertTrue(leaks.startsWith("OK") && leaks.strip().lines().count() == 1, "findleaks: " + leaks);
    }

    /**
     * Tomcat's leak warnings in its log, each with the stack lines that follow it. One kind is left out, printed
     * instead: Tomcat's own utility thread caught at the moment the Manager's reload stopped the context while that
     * thread ran the context's periodic background work ({@code ContainerBackgroundProcessor.processChildren} binds
     * the context's class loader for the length of that run, and a reload does not wait for it: a race inside
     * Tomcat, seen once in many CI runs). Any other thread, or that one running a frame of ours, counts.
     */
    static List<String> leakWarnings(String log) {
        List<String> out = new ArrayList<>();
        List<String> lines = log.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (!LEAK_WARNING.matcher(lines.get(i)).matches()) continue;
            StringBuilder entry = new StringBuilder(lines.get(i));
            for (int j = i + 1;
                    j < lines.size()
                            && !lines.get(j).isEmpty()
                            && Character.isWhitespace(lines.get(j).charAt(0));
                    j++) {
                entry.append('\n').append(lines.get(j));
            }
            String e = entry.toString();
            boolean tomcatsBackgroundRun = UTILITY_THREAD.matcher(e).find()
                    && e.contains("ContainerBase$ContainerBackgroundProcessor.processChildren")
                    && !e.contains("dev.unisession");
            if (tomcatsBackgroundRun) {
                System.out.println("[redeploy] Tomcat's background run caught by the reload (not a leak): " + e);
            } else {
                out.add(e);
            }
        }
        return out;
    }

    @Test
    void onlyTomcatsOwnBackgroundRunIsLeftOutOfTheLeakWarnings() {
        String head = "05-Dec-2026 12:00:00.000 WARNING [http-nio-1-exec-3] org.apache.catalina.loader."
                + "WebappClassLoaderBase.clearReferencesThreads The web application [app] appears to have started a "
                + "thread named [%s] but has failed to stop it. This is very likely to create a memory leak. Stack "
                + "trace of thread:";
        String background = " java.base/java.util.zip.ZipFile.close(ZipFile.java:1)\n org.apache.catalina.core."
                + "ContainerBase$ContainerBackgroundProcessor.processChildren(ContainerBase.java:1)\n";
        String next = "05-Dec-2026 12:00:01.000 INFO [main] org.apache.catalina.startup.Catalina.start done\n";
        assertEquals(List.of(), leakWarnings(head.formatted("Catalina-utility-1") + "\n" + background + next));
        assertEquals(
                1,
                leakWarnings(head.formatted("Catalina-utility-1") + "\n dev.unisession.web.X.run(X.java:1)\n"
                                + background + next)
                        .size(),
                "a frame of ours");
        assertEquals(
                1,
                leakWarnings(head.formatted("pool-3-thread-1") + "\n" + background + next)
                        .size());
        assertEquals(
                1,
                leakWarnings(head.formatted("Catalina-utility-2") + "\n java.lang.Thread.sleep(Native)\n" + next)
                        .size(),
                "not in the background run");
    }

    private static final Pattern UTILITY_THREAD = Pattern.compile("started a thread named \\[Catalina-utility-\\d+]");

    @ParameterizedTest(name = "{0} sharedLib={1}")
    @CsvSource({"memory,false", "redis,false", "tiered,false", "memory,true", "redis,true"})
    void jetty(String store, boolean sharedLib) throws Exception {
        Server s = Distribution.jetty(null, sharedLib, settings(store), List.of("jetty.deploy.scanInterval=1"));
        servers.add(s);
        Path warFile = s.base.resolve("webapps/app.war");
        zip(war(store, sharedLib), warFile);
        s.start();
        redeploys(s, store, sharedLib, "org\\.eclipse\\.jetty\\..*WebAppClassLoader", 1, () -> {
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
    private void redeploys(
            Server s, String store, boolean sharedLib, String loaderClass, int loadersLive, Redeploy redeploy)
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
            if (shared)
                assertTrue(
                        r.body().contains("count=" + (2 * i + 1)),
                        "the session survived redeploy " + i + ": " + r.body());
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
        System.out.printf(
                Locale.ROOT,
                "[redeploy] %s %s %s: %d redeploys in %d ms; class loaders %d (after the first "
                        + "deployment %d); Metaspace used %d KB (after the first deployment %d KB, +%d KB); "
                        + "threads %s (after the first deployment %s)%n",
                loaderClass.contains("catalina") ? "tomcat" : "jetty",
                store,
                sharedLib ? "server lib" : "WEB-INF/lib",
                REDEPLOYS,
                redeployMillis,
                loaders,
                loadersLive,
                metaspace,
                metaspaceFirst,
                metaspace - metaspaceFirst,
                threads,
                threadsFirst);
        if (loaders != loadersLive && System.getProperty("it.unisession.heapDumpDir") != null) {
            // mvn ... -Dit.unisession.heapDumpDir=/tmp: the server's heap, to find what holds the old loaders
            Path dump = Path.of(
                    System.getProperty("it.unisession.heapDumpDir"), "redeploy-" + store + "-" + pid + ".hprof");
            jcmd(pid, "GC.heap_dump", dump.toString());
            System.out.println("[redeploy] heap dump: " + dump);
        }
        if (loaders != loadersLive) {
            assertEquals(
                    loadersLive,
                    loaders,
                    "class loaders after " + REDEPLOYS + " redeploys and a full GC; "
                            + "classes with instances from more than one deployment:\n" + survivors(pid));
        }
        assertTrue(
                metaspace - metaspaceFirst <= METASPACE_SLACK_KB,
                "Metaspace used grew from " + metaspaceFirst + " KB to " + metaspace + " KB");
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
                .header(
                        "Authorization",
                        "Basic "
                                + Base64.getEncoder()
                                        .encodeToString((MANAGER_USER + ":" + MANAGER_PASSWORD)
                                                .getBytes(StandardCharsets.UTF_8)))
                .build();
        return Distribution.HTTP.send(r, HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String cookieOf(HttpResponse<String> r) {
        for (String c : r.headers().allValues("Set-Cookie")) {
            if (c.startsWith("USESSION=")) return c.substring(0, c.indexOf(';'));
        }
        return null;
    }

    private static String jcmd(long pid, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid)));
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
            if (f.length >= 4 && f[0].endsWith(":"))
                rows.computeIfAbsent(f[3], k -> new ArrayList<>()).add(f[1]);
        }
        StringBuilder b = new StringBuilder();
        rows.forEach((name, counts) -> {
            if (counts.size() > 1)
                b.append("  ").append(name).append(' ').append(counts).append('\n');
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
            if (lower.startsWith("unisession")
                    || lower.contains("redisson")
                    || lower.contains("netty")
                    || lower.contains("completablefuture")
                    || lower.contains("eclipselink")
                    || lower.contains("caffeine")) {
                out.merge(n.replaceAll("[-\\d]+$", ""), 1, Integer::sum);
            }
        }
        return out;
    }

    private static void zip(Path dir, Path zipFile) throws IOException {
        try (OutputStream out = Files.newOutputStream(zipFile);
                ZipOutputStream zip = new ZipOutputStream(out);
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
