package dev.unisession.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.testing.Resp;
import dev.unisession.testing.Services;
import dev.unisession.testing.TestStores;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The drop-in jar in the real server distributions (Tomcat 11 and Jetty 12 from Maven Central, started with their
 * own scripts in processes of their own): a plain WAR that knows nothing of unisession gets unified sessions once
 * the -all jar is added — in its WEB-INF/lib, or in Tomcat's shared lib/ with the filter in conf/web.xml — keeps
 * them across a server restart (store=redis), and keeps its own, different Jackson and Netty.
 */
class DistributionTest {

    private final String keys = Keys.entry("k1", Keys.secret());
    private final String prefix = TestStores.uniquePrefix();
    private final List<Server> servers = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void cleanUp() {
        for (Server s : servers) s.stop();
        new Resp(Services.REDIS_PORT).deleteAll(prefix + "*");
    }

    private static Path dir(String property) {
        Path p = Path.of(System.getProperty(property, ""));
        if (!Files.isDirectory(p)) throw new IllegalStateException(property + " is missing: run 'mvn verify'");
        return p;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }

    /** A WAR directory with the plain servlets only, plus the given jars in WEB-INF/lib. */
    private static Path plainWar(Path where, List<Path> libs) throws IOException {
        Path war = Files.createDirectories(where);
        Path classes = Path.of(System.getProperty("it.unisession.webappClasses"));
        copyTree(classes.resolve("dev/unisession/it/plain"),
                Files.createDirectories(war.resolve("WEB-INF/classes/dev/unisession/it/plain")));
        Files.writeString(war.resolve("WEB-INF/web.xml"), String.join("\n",
                "<web-app xmlns='https://jakarta.ee/xml/ns/jakartaee' version='6.0'>",
                "  <servlet><servlet-name>count</servlet-name>",
                "    <servlet-class>dev.unisession.it.plain.CounterServlet</servlet-class></servlet>",
                "  <servlet><servlet-name>clash</servlet-name>",
                "    <servlet-class>dev.unisession.it.plain.ClashServlet</servlet-class></servlet>",
                "  <servlet-mapping><servlet-name>count</servlet-name><url-pattern>/count</url-pattern></servlet-mapping>",
                "  <servlet-mapping><servlet-name>clash</servlet-name><url-pattern>/clash</url-pattern></servlet-mapping>",
                "</web-app>"));
        Path lib = Files.createDirectories(war.resolve("WEB-INF/lib"));
        for (Path jar : libs) Files.copy(jar, lib.resolve(jar.getFileName()));
        return war;
    }

    /** The settings, as the server JVM's system properties. */
    private List<String> settings() {
        return List.of("-Dunisession.store=redis", "-Dunisession.redis.url=" + Services.redisUrl(),
                "-Dunisession.redis.prefix=" + prefix, "-Dunisession.token.keys=" + keys,
                "-Dunisession.cookie.secure=false");
    }

    /** One server process: started by its own script, stopped with SIGTERM (and killed if it hangs). */
    private final class Server {
        final int port = freePort();
        final List<String> command;
        final Path cwd;
        final Map<String, String> env;
        final Path log;
        Process process;

        Server(List<String> command, Path cwd, Map<String, String> env) throws IOException {
            this.command = command;
            this.cwd = cwd;
            this.env = env;
            this.log = Files.createTempFile("server", ".log");
            servers.add(this);
        }

        Server start() throws Exception {
            ProcessBuilder b = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            b.environment().putAll(env);
            process = b.start();
            long deadline = System.currentTimeMillis() + 90_000;
            while (System.currentTimeMillis() < deadline) {
                if (!process.isAlive()) throw new AssertionError("the server exited:\n" + log());
                try {
                    http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                            HttpResponse.BodyHandlers.discarding());
                    return this;
                } catch (IOException e) {
                    Thread.sleep(200);
                }
            }
            throw new AssertionError("the server did not open port " + port + ":\n" + log());
        }

        void stop() {
            if (process == null) return;
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }

        String log() {
            try {
                String s = Files.readString(log);
                return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
            } catch (IOException e) {
                return e.toString();
            }
        }

        HttpResponse<String> get(String path, String cookie) throws Exception {
            HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
            if (cookie != null) r.header("Cookie", cookie);
            return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    /** The README's server-wide declaration (route 2's XML). */
    private static final String FILTER_XML = String.join("\n",
            "  <filter><filter-name>unisession</filter-name>",
            "    <filter-class>dev.unisession.web.UnifiedSessionFilter</filter-class>",
            "    <async-supported>true</async-supported></filter>",
            "  <filter-mapping><filter-name>unisession</filter-name><url-pattern>/*</url-pattern>",
            "    <dispatcher>REQUEST</dispatcher><dispatcher>FORWARD</dispatcher>",
            "    <dispatcher>INCLUDE</dispatcher><dispatcher>ERROR</dispatcher>",
            "    <dispatcher>ASYNC</dispatcher></filter-mapping>");

    private Server tomcat(Path webapp, boolean sharedLib) throws Exception {
        Path home = dir("it.unisession.tomcatDist");
        Path base = Files.createTempDirectory("catalina-base");
        copyTree(home.resolve("conf"), Files.createDirectories(base.resolve("conf")));
        for (String d : List.of("logs", "temp", "work", "webapps", "lib")) Files.createDirectories(base.resolve(d));
        copyTree(webapp, base.resolve("webapps/app"));
        Server s = new Server(List.of("sh", home.resolve("bin/catalina.sh").toString(), "run"), base, Map.of(
                "CATALINA_HOME", home.toString(), "CATALINA_BASE", base.toString(),
                "JAVA_HOME", System.getProperty("java.home"), "CATALINA_OPTS", String.join(" ", settings())));
        Path serverXml = base.resolve("conf/server.xml");
        Files.writeString(serverXml, Files.readString(serverXml).replace("port=\"8080\"", "port=\"" + s.port + "\"")
                .replace("port=\"8005\"", "port=\"-1\""));
        if (sharedLib) {
            Files.copy(AllJarTest.allJar(), base.resolve("lib/unisession-filter-all.jar"));
            Path webXml = base.resolve("conf/web.xml");
            Files.writeString(webXml, Files.readString(webXml).replace("</web-app>", FILTER_XML + "\n</web-app>"));
        }
        return s;
    }

    private Server jetty(Path webapp, boolean sharedLib) throws Exception {
        Path home = dir("it.unisession.jettyDist");
        Path base = Files.createTempDirectory("jetty-base");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        if (sharedLib) {
            // Jetty 12 keeps each EE environment's jars apart: a module of the ee10 environment puts ours beside
            // the servlet API (the core server's lib/ext cannot see it).
            Files.writeString(Files.createDirectories(base.resolve("modules")).resolve("unisession.mod"),
                    String.join("\n", "[description]", "unisession for every ee10 web application", "",
                            "[environment]", "ee10", "", "[depend]", "ee10-webapp", "", "[lib]",
                            "lib/unisession/*.jar", ""));
            Files.copy(AllJarTest.allJar(), Files.createDirectories(base.resolve("lib/unisession"))
                    .resolve("unisession-filter-all.jar"));
        }
        Process setup = new ProcessBuilder(java, "-jar", home.resolve("start.jar").toString(),
                "--add-modules=http,ee10-deploy,ee10-annotations" + (sharedLib ? ",unisession" : ""))
                .directory(base.toFile()).redirectErrorStream(true)
                .start();
        String out = new String(setup.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(setup.waitFor(60, TimeUnit.SECONDS) && setup.exitValue() == 0, out);
        copyTree(webapp, base.resolve("webapps/app"));
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(settings());
        Server s = new Server(cmd, base, Map.of());
        cmd.addAll(List.of("-jar", home.resolve("start.jar").toString(), "jetty.http.port=" + s.port,
                "jetty.http.host=127.0.0.1"));
        if (sharedLib) {
            Path webdefault = Files.createDirectories(base.resolve("etc")).resolve("webdefault-ee10.xml");
            Files.writeString(webdefault, Files.readString(home.resolve("etc/webdefault-ee10.xml"))
                    .replace("</web-app>", FILTER_XML + "\n</web-app>"));
            cmd.add("jetty.deploy.defaultsDescriptorPath=" + webdefault);
        }
        return s;
    }

    private static String cookieOf(HttpResponse<String> r) {
        for (String c : r.headers().allValues("Set-Cookie")) {
            if (c.startsWith("USESSION=")) return c.substring(0, c.indexOf(';'));
        }
        return null;
    }

    /** Two visits, a restart, a third visit: the count goes on in a unified session with a JWT cookie. */
    private void unifiedAcrossARestart(Server s) throws Exception {
        s.start();
        HttpResponse<String> first = s.get("/app/count", null);
        assertEquals(200, first.statusCode(), first.body() + s.log());
        assertTrue(first.body().contains("session=dev.unisession.web.UnifiedHttpSession"), first.body());
        String cookie = cookieOf(first);
        assertNotNull(cookie, "a unisession cookie: " + first.headers().map());
        assertEquals(3, cookie.substring("USESSION=".length()).split("\\.").length, "a JWT: " + cookie);
        assertFalse(first.headers().allValues("Set-Cookie").stream().anyMatch(c -> c.startsWith("JSESSIONID")),
                "no container session: " + first.headers().map());
        assertTrue(s.get("/app/count", cookie).body().contains("count=2"));
        s.stop();
        s.start();
        HttpResponse<String> after = s.get("/app/count", cookie);
        assertTrue(after.body().contains("count=3"), "the session survived the restart: " + after.body());
    }

    @Test
    void tomcatWithTheJarInWebInfLib() throws Exception {
        Path war = plainWar(Files.createTempDirectory("war").resolve("app"), List.of(AllJarTest.allJar()));
        unifiedAcrossARestart(tomcat(war, false));
    }

    @Test
    void tomcatWithTheJarInTheServerLibAndTheFilterInConfWebXml() throws Exception {
        Path war = plainWar(Files.createTempDirectory("war").resolve("app"), List.of());
        unifiedAcrossARestart(tomcat(war, true));
    }

    @Test
    void jettyWithTheJarInWebInfLib() throws Exception {
        Path war = plainWar(Files.createTempDirectory("war").resolve("app"), List.of(AllJarTest.allJar()));
        unifiedAcrossARestart(jetty(war, false));
    }

    @Test
    void jettyWithTheJarInAnEe10ModuleAndTheFilterInWebdefault() throws Exception {
        Path war = plainWar(Files.createTempDirectory("war").resolve("app"), List.of());
        unifiedAcrossARestart(jetty(war, true));
    }

    @Test
    void anApplicationsOwnJacksonAndNettyKeepWorkingBesideTheJar() throws Exception {
        List<Path> libs = new ArrayList<>(List.of(AllJarTest.allJar()));
        try (Stream<Path> jars = Files.list(dir("it.unisession.clashLib"))) {
            jars.forEach(libs::add);
        }
        assertEquals(6, libs.size(), libs.toString());
        Path war = plainWar(Files.createTempDirectory("war").resolve("app"), libs);
        Server s = tomcat(war, false).start();
        HttpResponse<String> clash = s.get("/app/clash", null);
        assertEquals(200, clash.statusCode(), clash.body() + s.log());
        assertTrue(clash.body().contains("json={\"ok\":true}"), clash.body());
        assertTrue(clash.body().contains("jackson=2.22.4"), "the application's own Jackson: " + clash.body());
        assertTrue(clash.body().contains("netty=4.1.118.Final"), "the application's own Netty: " + clash.body());
        HttpResponse<String> count = s.get("/app/count", null);
        assertTrue(count.body().contains("session=dev.unisession.web.UnifiedHttpSession"), count.body() + s.log());
        assertTrue(s.get("/app/count", cookieOf(count)).body().contains("count=2"));
    }
}
