package dev.unisession.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.testing.Resp;
import dev.unisession.testing.Services;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A plain Spring MVC 7 + Spring Security 7 WAR (web.xml, no Spring Boot) with the real libraries and the filter jar
 * in WEB-INF/lib, on two nodes sharing one Redis without affinity, unisession's codec settings left at their
 * defaults: form login, the protected page, a CSRF-protected POST that redirects with a flash attribute, logout,
 * each step on the node the other did not serve; the framework profiles let every session value through and the
 * codec logs no refusal.
 */
abstract class SpringAppSuite {

    abstract Container container();

    private final String prefix = "spring" + Long.toString(System.nanoTime(), 36) + ":";
    private final List<RunningServer> nodes = new ArrayList<>();
    private final List<String> codecWarnings = new ArrayList<>();
    /** Held strongly: JUL keeps loggers weakly. */
    private final Logger codecLog = Logger.getLogger("dev.unisession.codec.AttributeCodec");

    private final Handler recorder = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                synchronized (codecWarnings) {
                    codecWarnings.add(r.getMessage() + " " + java.util.Arrays.toString(r.getParameters()));
                }
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @AfterEach
    void stop() throws Exception {
        codecLog.removeHandler(recorder);
        for (RunningServer n : nodes) n.close();
        new Resp(Services.REDIS_PORT).deleteAll(prefix + "*");
    }

    private RunningServer node(Path webapp, String keys) throws Exception {
        Map<String, String> params = Map.of(
                "unisession.store",
                "redis",
                "unisession.redis.url",
                Services.redisUrl(),
                "unisession.redis.prefix",
                prefix,
                "unisession.token.keys",
                keys);
        RunningServer s = container().start(webapp, params, null);
        nodes.add(s);
        return s;
    }

    @Test
    void formLoginProtectedPageFlashRedirectCsrfAndLogoutAcrossTwoNodes() throws Exception {
        codecLog.addHandler(recorder);
        Path webapp = springWebapp();
        String keys = Keys.entry("k1", Keys.secret());
        RunningServer one = node(webapp, keys);
        RunningServer two = node(webapp, keys);
        Browser b = new Browser();

        Page r = b.get(one, "/home");
        assertEquals(302, r.status, r.toString());
        assertTrue(r.location().endsWith("/login"), r.toString()); // the request was saved in the session
        r = b.get(two, "/login");
        assertEquals(200, r.status, r.toString());
        r = b.post(one, "/login", Map.of("username", "alice", "password", "wrong", "_csrf", csrf(r)));
        assertEquals(302, r.status, r.toString());
        assertTrue(r.location().endsWith("/login?error"), r.toString());
        r = b.get(two, "/login?error"); // the session holds the failed login's exception now
        assertTrue(r.body.contains("Invalid credentials"), r.body);

        r = b.post(one, "/login", Map.of("username", "alice", "password", "secret", "_csrf", csrf(r)));
        assertEquals(302, r.status, r.toString());
        assertTrue(r.location().contains("/home"), "back to the saved request: " + r);
        r = b.get(two, URI.create(r.location()).getRawPath() + "?continue");
        assertEquals(200, r.status, r.toString());
        assertEquals("home=alice", r.body.trim());

        String token = b.get(two, "/token").body.trim();
        r = b.post(one, "/notes", Map.of("text", "milk", "_csrf", token));
        assertEquals(302, r.status, r.toString());
        assertTrue(r.location().endsWith("/notes"), r.toString());
        assertEquals("saved=milk", b.get(two, "/notes").body.trim(), "the flash attribute, on the other node");
        assertEquals("saved=null", b.get(one, "/notes").body.trim(), "a flash attribute is read once");

        assertEquals(403, b.post(two, "/notes", Map.of("text", "no token")).status, "CSRF protection");

        synchronized (codecWarnings) {
            assertEquals(List.of(), codecWarnings, "classes refused by the codec");
        }

        // a library class that no profile names is still refused, with the key that would allow it
        String refused = b.get(two, "/library-value").body;
        assertTrue(
                refused.startsWith("refused=")
                        && refused.contains("org.springframework.util.LinkedCaseInsensitiveMap")
                        && refused.contains("unisession.codec.allow"),
                refused);
        synchronized (codecWarnings) {
            assertEquals(1, codecWarnings.size(), codecWarnings.toString());
        }

        r = b.post(two, "/logout", Map.of("_csrf", b.get(one, "/token").body.trim()));
        assertEquals(302, r.status, r.toString());
        assertTrue(r.location().endsWith("/login?logout"), r.toString());
        r = b.get(one, "/home");
        assertEquals(302, r.status, "logged out on both nodes: " + r);
    }

    private static String csrf(Page login) {
        Matcher m = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"").matcher(login.body);
        assertTrue(m.find(), "no CSRF field in " + login.body);
        return m.group(1);
    }

    /** The exploded WAR: the app compiled against the real Spring jars; those jars and unisession-filter-all.jar in WEB-INF/lib. */
    static Path springWebapp() throws IOException {
        Path dir = Files.createTempDirectory("unisession-spring-app");
        Path source = Path.of(required("it.unisession.springApp"));
        Path lib = Files.createDirectories(dir.resolve("WEB-INF/lib"));
        List<Path> jars = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of(required("it.unisession.springLib")))) {
            for (Path jar : s.filter(p -> p.toString().endsWith(".jar")).collect(Collectors.toList())) {
                Files.copy(jar, lib.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                jars.add(jar);
            }
        }
        // the self-contained jar, as the README's drop-in route has it (its dependencies relocated)
        Files.copy(Path.of(required("it.unisession.allJar")), lib.resolve("unisession-filter-all.jar"));
        Files.copy(source.resolve("webapp/WEB-INF/web.xml"), dir.resolve("WEB-INF/web.xml"));
        Path classes = Files.createDirectories(dir.resolve("WEB-INF/classes"));
        List<String> args = new ArrayList<>(List.of(
                "-d",
                classes.toString(),
                "-proc:none",
                "-parameters",
                "-cp",
                jars.stream().map(Path::toString).collect(Collectors.joining(java.io.File.pathSeparator))
                        + java.io.File.pathSeparator
                        + jarOf(jakarta.servlet.Servlet.class)));
        try (Stream<Path> s = Files.walk(source.resolve("java"))) {
            s.filter(p -> p.toString().endsWith(".java")).forEach(p -> args.add(p.toString()));
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertEquals(0, javac.run(null, null, null, args.toArray(new String[0])), "the Spring app compiles");
        return dir;
    }

    private static String jarOf(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String required(String property) {
        String v = System.getProperty(property);
        if (v == null)
            throw new IllegalStateException("system property " + property + " is not set: run through Maven");
        return v;
    }

    /** A reply: status, body, headers. */
    record Page(int status, String body, Map<String, List<String>> headers) {
        String location() {
            List<String> l = headers.get("location");
            return l == null ? "" : l.get(0);
        }

        @Override
        public String toString() {
            return status + " " + headers.getOrDefault("location", List.of()) + " "
                    + body.substring(0, Math.min(200, body.length()));
        }
    }

    /** A browser that keeps its cookies by hand (Secure ones too, over plain http) and follows no redirect. */
    static final class Browser {
        private final HttpClient http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        private final Map<String, String> cookies = new LinkedHashMap<>();

        Page get(RunningServer on, String path) {
            return send(HttpRequest.newBuilder(on.uri(path)).GET());
        }

        Page post(RunningServer on, String path, Map<String, String> form) {
            String body = form.entrySet().stream()
                    .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                            + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                    .collect(Collectors.joining("&"));
            return send(HttpRequest.newBuilder(on.uri(path))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(body)));
        }

        private Page send(HttpRequest.Builder b) {
            if (!cookies.isEmpty()) {
                b.header(
                        "Cookie",
                        cookies.entrySet().stream()
                                .map(e -> e.getKey() + "=" + e.getValue())
                                .collect(Collectors.joining("; ")));
            }
            try {
                HttpResponse<String> r =
                        http.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                for (String c : r.headers().allValues("set-cookie")) {
                    String pair = c.split(";", 2)[0];
                    int eq = pair.indexOf('=');
                    String name = pair.substring(0, eq).trim();
                    String value = pair.substring(eq + 1).trim();
                    if (value.isEmpty() || c.toLowerCase(java.util.Locale.ROOT).contains("max-age=0")) {
                        cookies.remove(name);
                    } else {
                        cookies.put(name, value);
                    }
                }
                return new Page(
                        r.statusCode(), r.body(), new HashMap<>(r.headers().map()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
