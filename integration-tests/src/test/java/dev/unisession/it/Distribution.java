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

    private Distribution() {}

    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

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

    /** Deletes a directory tree (a server base the test made); what cannot be deleted is left. */
    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) return;
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.getLogger(Distribution.class.getName())
                    .log(System.Logger.Level.WARNING, "could not delete " + root + ": " + e);
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
        copyTree(
                classes.resolve("dev/unisession/it/plain"),
                Files.createDirectories(war.resolve("WEB-INF/classes/dev/unisession/it/plain")));
        Files.writeString(
                war.resolve("WEB-INF/web.xml"),
                String.join(
                        "\n",
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
    static final String FILTER_XML = String.join(
            "\n",
            "  <filter><filter-name>unisession</filter-name>",
            "    <filter-class>dev.unisession.web.UnifiedSessionFilter</filter-class>",
            "    <async-supported>true</async-supported></filter>",
            "  <filter-mapping><filter-name>unisession</filter-name><url-pattern>/*</url-pattern>",
            "    <dispatcher>REQUEST</dispatcher><dispatcher>FORWARD</dispatcher>",
            "    <dispatcher>INCLUDE</dispatcher><dispatcher>ERROR</dispatcher>",
            "    <dispatcher>ASYNC</dispatcher></filter-mapping>");

    /** One server process: started by its own script, stopped with SIGTERM (and killed if it hangs). */
    static final class Server {
        final int port;
        final List<String> command;
        final Path base;
        /** The server process's environment (more may be added before {@link #start()}). */
        final Map<String, String> env;

        final Path log;
        /** Where the server writes its log, when not to its output (Payara); null: its output. */
        Path serverLog;
        /** The command that stops a server whose launcher does not forward SIGTERM (Payara); null: SIGTERM. */
        List<String> stopCommand;
        /** How long start() waits for the HTTP port. */
        long startMillis = 90_000;

        Process process;

        Server(List<String> command, Path base, Map<String, String> env) throws IOException {
            this(command, base, env, freePort());
        }

        Server(List<String> command, Path base, Map<String, String> env, int port) throws IOException {
            this.port = port;
            this.command = command;
            this.base = base;
            this.env = env;
            this.log = Files.createTempFile("server", ".log");
        }

        Server start() throws Exception {
            ProcessBuilder b = new ProcessBuilder(command)
                    .directory(base.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            b.environment().putAll(env);
            process = b.start();
            long deadline = System.currentTimeMillis() + startMillis;
            while (System.currentTimeMillis() < deadline) {
                if (!process.isAlive()) throw new AssertionError("the server exited:\n" + log());
                try {
                    HTTP.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                                    .build(),
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
            if (stopCommand != null) {
                try {
                    Process p = new ProcessBuilder(stopCommand)
                            .directory(base.toFile())
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                            .start();
                    if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS))
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }

        /** The server's output so far (its log), whole. */
        String fullLog() {
            try {
                return Files.readString(log)
                        + (serverLog != null && Files.exists(serverLog) ? Files.readString(serverLog) : "");
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
    static Server tomcat(
            String home,
            Path webapp,
            boolean sharedLib,
            List<Path> serverJars,
            List<String> jvmOptions,
            Map<String, String> env)
            throws Exception {
        Path dist = dir(home);
        Path base = Files.createTempDirectory("catalina-base");
        copyTree(dist.resolve("conf"), Files.createDirectories(base.resolve("conf")));
        for (String d : List.of("logs", "temp", "work", "webapps", "lib")) Files.createDirectories(base.resolve(d));
        copyTree(webapp, base.resolve("webapps/app"));
        Map<String, String> all = new java.util.HashMap<>(env);
        all.putAll(Map.of(
                "CATALINA_HOME",
                dist.toString(),
                "CATALINA_BASE",
                base.toString(),
                "JAVA_HOME",
                System.getProperty("java.home"),
                "CATALINA_OPTS",
                String.join(" ", jvmOptions)));
        Server s = new Server(List.of("sh", dist.resolve("bin/catalina.sh").toString(), "run"), base, all);
        Path serverXml = base.resolve("conf/server.xml");
        Files.writeString(
                serverXml,
                Files.readString(serverXml)
                        .replace("port=\"8080\"", "port=\"" + s.port + "\"")
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
    static Server jetty(
            String ee,
            boolean plus,
            Path webapp,
            boolean sharedLib,
            List<Path> serverJars,
            List<String> jvmOptions,
            List<String> properties)
            throws Exception {
        Path home = dir("it.unisession.jettyDist");
        Path base = Files.createTempDirectory("jetty-base");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        boolean module = sharedLib || !serverJars.isEmpty();
        if (module) {
            // Jetty 12 keeps each EE environment's jars apart: a module of the environment puts ours beside the
            // servlet API (the core server's lib/ext cannot see it).
            Files.writeString(
                    Files.createDirectories(base.resolve("modules")).resolve("unisession.mod"),
                    String.join(
                            "\n",
                            "[description]",
                            "unisession for every " + ee + " web application",
                            "",
                            "[environment]",
                            ee,
                            "",
                            "[depend]",
                            ee + "-webapp",
                            "",
                            "[lib]",
                            "lib/unisession/*.jar",
                            ""));
            Path lib = Files.createDirectories(base.resolve("lib/unisession"));
            if (sharedLib) Files.copy(AllJarTest.allJar(), lib.resolve("unisession-filter-all.jar"));
            for (Path jar : serverJars) Files.copy(jar, lib.resolve(jar.getFileName()));
        }
        Process setup = new ProcessBuilder(
                        java,
                        "-jar",
                        home.resolve("start.jar").toString(),
                        "--add-modules=http," + ee + "-deploy," + ee + "-annotations" + (plus ? "," + ee + "-plus" : "")
                                + (module ? ",unisession" : ""))
                .directory(base.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(setup.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(setup.waitFor(60, TimeUnit.SECONDS) && setup.exitValue() == 0, out);
        if (webapp != null) copyTree(webapp, base.resolve("webapps/app"));
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(jvmOptions);
        Server s = new Server(cmd, base, new java.util.HashMap<>());
        cmd.addAll(List.of(
                "-jar",
                home.resolve("start.jar").toString(),
                "jetty.http.port=" + s.port,
                "jetty.http.host=127.0.0.1"));
        cmd.addAll(properties);
        if (sharedLib) {
            String name = "webdefault-" + ee + ".xml";
            Path webdefault = Files.createDirectories(base.resolve("etc")).resolve(name);
            Files.writeString(
                    webdefault,
                    Files.readString(home.resolve("etc").resolve(name))
                            .replace("</web-app>", FILTER_XML + "\n</web-app>"));
            cmd.add("jetty.deploy.defaultsDescriptorPath=" + webdefault);
        }
        return s;
    }

    /**
     * The probe application of the EE tests, as an application developer has it: plain servlets and listeners
     * (dev.unisession.it.app; WebXmlListener in web.xml, AnnotatedListener by {@code @WebListener}), nothing of
     * unisession in web.xml, the given jars in WEB-INF/lib.
     */
    static Path probeWar(Path where, List<Path> libs) throws IOException {
        Path war = Files.createDirectories(where);
        Path classes = Path.of(System.getProperty("it.unisession.webappClasses"));
        copyTree(
                classes.resolve("dev/unisession/it/app"),
                Files.createDirectories(war.resolve("WEB-INF/classes/dev/unisession/it/app")));
        Files.writeString(
                war.resolve("WEB-INF/web.xml"),
                String.join(
                        "\n",
                        "<web-app xmlns='https://jakarta.ee/xml/ns/jakartaee' version='6.0'>",
                        "  <listener><listener-class>dev.unisession.it.app.WebXmlListener</listener-class></listener>",
                        "  <servlet><servlet-name>session</servlet-name>",
                        "    <servlet-class>dev.unisession.it.app.SessionServlet</servlet-class>",
                        "    <async-supported>true</async-supported></servlet>",
                        "  <servlet-mapping><servlet-name>session</servlet-name><url-pattern>/s</url-pattern></servlet-mapping>",
                        "</web-app>"));
        Path lib = Files.createDirectories(war.resolve("WEB-INF/lib"));
        for (Path jar : libs) Files.copy(jar, lib.resolve(jar.getFileName()));
        return war;
    }

    /**
     * The sample shop (CDI beans: {@code @Inject UnifiedSession}/{@code SessionManager}, CDI session events, a
     * {@code @SessionScoped} cart) as an EE server takes it: its classes, web.xml and beans.xml, the -all jar and the
     * CDI module's jar in WEB-INF/lib, and no CDI implementation (the server's Weld serves it).
     */
    static Path cdiWar(Path where) throws IOException {
        Path war = Files.createDirectories(where);
        try (java.util.zip.ZipInputStream zip = new java.util.zip.ZipInputStream(
                Files.newInputStream(Path.of(System.getProperty("it.unisession.sampleWar"))))) {
            for (java.util.zip.ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                if (e.isDirectory()
                        || e.getName().startsWith("WEB-INF/lib/")
                        || e.getName().contains("/launch/")
                        || e.getName().startsWith("META-INF/")) {
                    continue;
                }
                Path to = war.resolve(e.getName());
                Files.createDirectories(to.getParent());
                Files.copy(zip, to);
            }
        }
        Path lib = Files.createDirectories(war.resolve("WEB-INF/lib"));
        Files.copy(AllJarTest.allJar(), lib.resolve("unisession-filter-all.jar"));
        Files.copy(Path.of(System.getProperty("it.unisession.cdiJar")), lib.resolve("unisession-cdi.jar"));
        return war;
    }

    /** Ports handed to WildFly servers of this JVM (each node's whole range), not to be handed out twice. */
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * A port offset for WildFly under which every socket it binds (ajp 8009, http 8080, https 8443, management 9990
     * and 9993, transactions 4712 and 4713) is free, below Linux's ephemeral range (32768-60999): checking only the
     * http port let https land on a port an outgoing connection had taken meanwhile ("Address already in use" at
     * start, seen in CI).
     */
    private static int wildflyOffset() {
        int[] base = {8009, 8080, 8443, 9990, 9993, 4712, 4713};
        java.util.Random random = new java.util.Random();
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int offset = 10_000 + random.nextInt(20_000) - 8080; // http in [10000, 30000), management below 32768
            boolean free = true;
            for (int b : base) {
                int p = b + offset;
                if (HANDED_OUT.contains(p) || !bindable(p)) {
                    free = false;
                    break;
                }
            }
            if (!free) continue;
            for (int b : base) HANDED_OUT.add(b + offset);
            return offset;
        }
        throw new IllegalStateException("no free port range for WildFly below 32768");
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A port p such that p + {@code span} is still a port. */
    private static int freePortBelow(int span) {
        while (true) {
            int p = freePort();
            if (p + span < 65_000) return p;
        }
    }

    /**
     * WildFly (standalone, default profile) with a base directory of its own (a copy of standalone/), the WAR
     * directories deployed under their names (app → /app), all its sockets moved by one port offset, the server JVM's options.
     */
    static Server wildfly(List<Path> webapps, List<String> jvmOptions) throws Exception {
        Path home = dir("it.unisession.wildflyDist");
        Path base = Files.createTempDirectory("wildfly-base");
        copyTree(home.resolve("standalone/configuration"), base.resolve("configuration"));
        Files.createDirectories(base.resolve("deployments"));
        for (Path webapp : webapps) { // each deployed under its directory's name
            String name = webapp.getFileName() + ".war";
            copyTree(webapp, base.resolve("deployments").resolve(name));
            Files.writeString(base.resolve("deployments").resolve(name + ".dodeploy"), "");
        }
        int offset = wildflyOffset();
        int http = 8080 + offset;
        Server s = new Server(
                List.of(
                        "sh",
                        home.resolve("bin/standalone.sh").toString(),
                        "-Djboss.server.base.dir=" + base,
                        "-Djboss.socket.binding.port-offset=" + offset,
                        "-b",
                        "127.0.0.1",
                        "-bmanagement",
                        "127.0.0.1"),
                base,
                Map.of(
                        "JBOSS_HOME",
                        home.toString(),
                        "JAVA_HOME",
                        System.getProperty("java.home"),
                        "LAUNCH_JBOSS_IN_BACKGROUND",
                        "1", // SIGTERM to the script stops the server JVM
                        "JAVA_OPTS",
                        "-Xms64m -Xmx512m " + String.join(" ", jvmOptions)),
                http);
        s.startMillis = 300_000;
        return s;
    }

    /**
     * Payara Server (domain1 of the distribution, copied to a domain directory of the test's own) with every
     * listener on a free port, the server JVM's options as jvm-options, the WARs (zipped, under their directories'
     * names) in autodeploy/; started by
     * {@code asadmin start-domain --verbose}, stopped by {@code asadmin stop-domain}.
     */
    static Server payara(List<Path> webapps, List<String> jvmOptions) throws Exception {
        Path home = dir("it.unisession.payaraDist");
        Path domains = Files.createTempDirectory("payara-domains");
        Path domain = domains.resolve("domain1");
        copyTree(home.resolve("glassfish/domains/domain1"), domain);
        int http = freePort();
        Path xml = domain.resolve("config/domain.xml");
        String config = Files.readString(xml);
        for (String port : List.of("3700", "3820", "3920", "8686", "8181", "4848")) {
            config = config.replace("port=\"" + port + "\"", "port=\"" + freePort() + "\"");
        }
        config = config.replace(
                        "name=\"JMS_PROVIDER_PORT\" value=\"7676\"",
                        "name=\"JMS_PROVIDER_PORT\" value=\"" + freePort() + "\"")
                .replace("port=\"8080\"", "port=\"" + http + "\"")
                .replace(
                        "start-port=\"5900\" das-port=\"4900\"",
                        "start-port=\"" + freePortBelow(200) + "\" das-port=\"" + freePortBelow(200) + "\"");
        StringBuilder options = new StringBuilder();
        for (String o : jvmOptions) options.append("<jvm-options>").append(o).append("</jvm-options>");
        int first = config.indexOf("<jvm-options>"); // the server-config's java-config comes first
        config = config.substring(0, first) + options + config.substring(first);
        Files.writeString(xml, config);
        for (Path webapp : webapps) {
            Path war = Files.createDirectories(domain.resolve("autodeploy")).resolve(webapp.getFileName() + ".war");
            try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(war));
                    Stream<Path> files = Files.walk(webapp)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    if (Files.isDirectory(f)) continue;
                    zip.putNextEntry(new java.util.zip.ZipEntry(
                            webapp.relativize(f).toString().replace('\\', '/')));
                    Files.copy(f, zip);
                    zip.closeEntry();
                }
            }
        }
        String asadmin = home.resolve("bin/asadmin").toString();
        Server s = new Server(
                List.of("sh", asadmin, "start-domain", "--verbose", "--domaindir", domains.toString(), "domain1"),
                domains,
                Map.of("AS_JAVA", System.getProperty("java.home"), "JAVA_HOME", System.getProperty("java.home")),
                http);
        s.startMillis = 300_000; // a full profile: slow on a busy 2-core host
        s.stopCommand = List.of("sh", asadmin, "stop-domain", "--domaindir", domains.toString(), "domain1");
        s.serverLog = domain.resolve("logs/server.log");
        return s;
    }
}
