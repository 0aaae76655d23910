package dev.unisession.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * The real server distributions (Tomcat 11 and Jetty 12 from Maven Central, unpacked to target/dist by the build),
 * each started with its own scripts in a process of its own, with a base directory of the test's own.
 */
final class Distribution {

    private Distribution() {
    }

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static Path dir(String property) {
        Path p = Path.of(System.getProperty(property, ""));
        if (!Files.isDirectory(p)) throw new IllegalStateException(property + " is missing: run 'mvn verify'");
        return p;
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }

    /** A WAR directory with the plain servlets only (dev.unisession.it.plain), plus the given jars in WEB-INF/lib. */
    static Path plainWar(Path where, List<Path> libs) throws IOException {
        return plainWar(where, libs, "");
    }

    /** As above, with {@code webXml} (elements such as a resource-ref) added to the web.xml. */
    static Path plainWar(Path where, List<Path> libs, String webXml) throws IOException {
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
                "  <servlet><servlet-name>deployment</servlet-name>",
                "    <servlet-class>dev.unisession.it.plain.DeploymentServlet</servlet-class></servlet>",
                "  <servlet-mapping><servlet-name>deployment</servlet-name>",
                "    <url-pattern>/deployment</url-pattern></servlet-mapping>",
                webXml,
                "</web-app>"));
        Path lib = Files.createDirectories(war.resolve("WEB-INF/lib"));
        for (Path jar : libs) Files.copy(jar, lib.resolve(jar.getFileName()));
        return war;
    }

    /** The README's server-wide declaration (route 2's XML). */
    static final String FILTER_XML = String.join("\n",
            "  <filter><filter-name>unisession</filter-name>",
            "    <filter-class>dev.unisession.web.UnifiedSessionFilter</filter-class>",
            "    <async-supported>true</async-supported></filter>",
            "  <filter-mapping><filter-name>unisession</filter-name><url-pattern>/*</url-pattern>",
            "    <dispatcher>REQUEST</dispatcher><dispatcher>FORWARD</dispatcher>",
            "    <dispatcher>INCLUDE</dispatcher><dispatcher>ERROR</dispatcher>",
            "    <dispatcher>ASYNC</dispatcher></filter-mapping>");

    /** One server process: started by its own script, stopped with SIGTERM (and killed if it hangs). */
    static final class Server {
        final int port = freePort();
        final List<String> command;
        final Path base;
        /** The server process's environment (more may be added before {@link #start()}). */
        final Map<String, String> env;
        final Path log;
        Process process;

        Server(List<String> command, Path base, Map<String, String> env) throws IOException {
            this.command = command;
            this.base = base;
            this.env = env;
            this.log = Files.createTempFile("server", ".log");
        }

        Server start() throws Exception {
            ProcessBuilder b = new ProcessBuilder(command).directory(base.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            b.environment().putAll(env);
            process = b.start();
            long deadline = System.currentTimeMillis() + 90_000;
            while (System.currentTimeMillis() < deadline) {
                if (!process.isAlive()) throw new AssertionError("the server exited:\n" + log());
                try {
                    HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
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

        /** The server's output so far (its log), whole. */
        String fullLog() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                return e.toString();
            }
        }

        /** The end of the server's output, for assertion messages. */
        String log() {
            String s = fullLog();
            return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
        }

        HttpResponse<String> get(String path, String cookie) throws Exception {
            HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
            if (cookie != null) r.header("Cookie", cookie);
            return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    /**
     * Tomcat 11 with a base of its own: the distribution's conf/, the WAR directory as webapps/app, the server JVM's
     * options; with {@code sharedLib} the -all jar in lib/ and the filter in conf/web.xml.
     */
    static Server tomcat(Path webapp, boolean sharedLib, List<String> jvmOptions) throws Exception {
        return tomcat("it.unisession.tomcatDist", webapp, sharedLib, List.of(), jvmOptions, Map.of());
    }

    /**
     * The Tomcat distribution at the path of system property {@code home}, with a base of its own: as above, plus
     * {@code serverJars} in the base's lib/ (a JDBC driver) and {@code env} in the server's environment.
     */
    static Server tomcat(String home, Path webapp, boolean sharedLib, List<Path> serverJars, List<String> jvmOptions,
            Map<String, String> env) throws Exception {
        Path dist = dir(home);
        Path base = Files.createTempDirectory("catalina-base");
        copyTree(dist.resolve("conf"), Files.createDirectories(base.resolve("conf")));
        for (String d : List.of("logs", "temp", "work", "webapps", "lib")) Files.createDirectories(base.resolve(d));
        copyTree(webapp, base.resolve("webapps/app"));
        Map<String, String> all = new java.util.HashMap<>(env);
        all.putAll(Map.of("CATALINA_HOME", dist.toString(), "CATALINA_BASE", base.toString(),
                "JAVA_HOME", System.getProperty("java.home"), "CATALINA_OPTS", String.join(" ", jvmOptions)));
        Server s = new Server(List.of("sh", dist.resolve("bin/catalina.sh").toString(), "run"), base, all);
        Path serverXml = base.resolve("conf/server.xml");
        Files.writeString(serverXml, Files.readString(serverXml).replace("port=\"8080\"", "port=\"" + s.port + "\"")
                .replace("port=\"8005\"", "port=\"-1\""));
        for (Path jar : serverJars) Files.copy(jar, base.resolve("lib").resolve(jar.getFileName()));
        if (sharedLib) {
            Files.copy(AllJarTest.allJar(), base.resolve("lib/unisession-filter-all.jar"));
            Path webXml = base.resolve("conf/web.xml");
            Files.writeString(webXml, Files.readString(webXml).replace("</web-app>", FILTER_XML + "\n</web-app>"));
        }
        return s;
    }

    /**
     * Jetty's ee10 environment with a base of its own (http, ee10-deploy, ee10-annotations), the WAR directory as
     * webapps/app (or nothing when {@code webapp} is null), the server JVM's options and start.jar properties; with
     * {@code sharedLib} the -all jar in an ee10 module and the filter in webdefault-ee10.xml.
     */
    static Server jetty(Path webapp, boolean sharedLib, List<String> jvmOptions, List<String> properties)
            throws Exception {
        return jetty("ee10", false, webapp, sharedLib, List.of(), jvmOptions, properties);
    }

    /**
     * Jetty with a base of its own and the EE environment {@code ee} (ee10, ee11): its deploy and annotations
     * modules, with {@code plus} its plus module too (JNDI, jetty-env.xml); {@code serverJars} (a JDBC driver) and with {@code sharedLib} the -all jar in
     * a module of that environment, the filter then in its webdefault; the rest as above.
     */
    static Server jetty(String ee, boolean plus, Path webapp, boolean sharedLib, List<Path> serverJars,
            List<String> jvmOptions, List<String> properties) throws Exception {
        Path home = dir("it.unisession.jettyDist");
        Path base = Files.createTempDirectory("jetty-base");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        boolean module = sharedLib || !serverJars.isEmpty();
        if (module) {
            // Jetty 12 keeps each EE environment's jars apart: a module of the environment puts ours beside the
            // servlet API (the core server's lib/ext cannot see it).
            Files.writeString(Files.createDirectories(base.resolve("modules")).resolve("unisession.mod"),
                    String.join("\n", "[description]", "unisession for every " + ee + " web application", "",
                            "[environment]", ee, "", "[depend]", ee + "-webapp", "", "[lib]",
                            "lib/unisession/*.jar", ""));
            Path lib = Files.createDirectories(base.resolve("lib/unisession"));
            if (sharedLib) Files.copy(AllJarTest.allJar(), lib.resolve("unisession-filter-all.jar"));
            for (Path jar : serverJars) Files.copy(jar, lib.resolve(jar.getFileName()));
        }
        Process setup = new ProcessBuilder(java, "-jar", home.resolve("start.jar").toString(),
                "--add-modules=http," + ee + "-deploy," + ee + "-annotations" + (plus ? "," + ee + "-plus" : "")
                        + (module ? ",unisession" : ""))
                .directory(base.toFile()).redirectErrorStream(true)
                .start();
        String out = new String(setup.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(setup.waitFor(60, TimeUnit.SECONDS) && setup.exitValue() == 0, out);
        if (webapp != null) copyTree(webapp, base.resolve("webapps/app"));
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(jvmOptions);
        Server s = new Server(cmd, base, new java.util.HashMap<>());
        cmd.addAll(List.of("-jar", home.resolve("start.jar").toString(), "jetty.http.port=" + s.port,
                "jetty.http.host=127.0.0.1"));
        cmd.addAll(properties);
        if (sharedLib) {
            String name = "webdefault-" + ee + ".xml";
            Path webdefault = Files.createDirectories(base.resolve("etc")).resolve(name);
            Files.writeString(webdefault, Files.readString(home.resolve("etc").resolve(name))
                    .replace("</web-app>", FILTER_XML + "\n</web-app>"));
            cmd.add("jetty.deploy.defaultsDescriptorPath=" + webdefault);
        }
        return s;
    }
}
