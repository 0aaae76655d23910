package dev.unisession.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.spring.app.ShopApplication;
import dev.unisession.testing.Resp;
import dev.unisession.testing.Services;
import dev.unisession.testing.TestStores;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A Spring Boot 4 application (Spring MVC, Spring Security form login, actuator) with unisession through the
 * auto-configuration, on embedded Tomcat and on embedded Jetty: two instances on one Redis share the session, login
 * renews the session id, "log out other sessions" through SessionManager ends the user's other session (made on the
 * other instance), /actuator/health shows the unisession component. And the ground for the README's advice: the
 * drop-in jar alone (the auto-configuration excluded) is not registered by Spring Boot.
 */
class SpringBootAppTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String TOMCAT =
            "org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration";
    private static final String JETTY =
            "org.springframework.boot.jetty.autoconfigure.servlet.JettyServletWebServerAutoConfiguration";

    private final String prefix = TestStores.uniquePrefix();
    private final List<ConfigurableApplicationContext> apps = new ArrayList<>();
    private final String keys;

    SpringBootAppTest() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        keys = "k1:" + Base64.getEncoder().encodeToString(secret);
    }

    @AfterEach
    void cleanUp() {
        for (ConfigurableApplicationContext a : apps) a.close();
        new Resp(Services.REDIS_PORT).deleteAll(prefix + "*");
    }

    /** One instance on an embedded server ("tomcat" or "jetty"), the other server's auto-configuration excluded. */
    private int start(String server, String... more) {
        List<String> props = new ArrayList<>(List.of(
                "server.port=0",
                "spring.autoconfigure.exclude=" + (server.equals("tomcat") ? JETTY : TOMCAT)
                        + (more.length > 0 && more[0].startsWith("exclude:") ? "," + more[0].substring(8) : ""),
                "management.endpoint.health.show-details=always",
                "unisession.store=redis",
                "unisession.redis.url=" + Services.redisUrl(),
                "unisession.redis.prefix=" + prefix,
                "unisession.token.keys=" + keys,
                // relaxed binding: the README's kebab-case key written in camel case
                "unisession.cookie.secure=false",
                "unisession.session.touchFraction=0.5"));
        ConfigurableApplicationContext app = new SpringApplicationBuilder(ShopApplication.class)
                .properties(props.toArray(String[]::new))
                .run();
        apps.add(app);
        return ((WebServerApplicationContext) app).getWebServer().getPort();
    }

    /** A browser: its cookies, no redirects followed. */
    private static final class Browser {
        final Map<String, String> cookies = new LinkedHashMap<>();

        HttpResponse<String> send(int port, String method, String path, String form) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
            if (!cookies.isEmpty()) {
                b.header(
                        "Cookie",
                        String.join(
                                "; ",
                                cookies.entrySet().stream()
                                        .map(e -> e.getKey() + "=" + e.getValue())
                                        .toList()));
            }
            if (form != null) {
                b.header("Content-Type", "application/x-www-form-urlencoded")
                        .method(method, HttpRequest.BodyPublishers.ofString(form));
            } else {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            }
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            for (String c : r.headers().allValues("Set-Cookie")) {
                String pair = c.substring(0, c.indexOf(';') < 0 ? c.length() : c.indexOf(';'));
                String name = pair.substring(0, pair.indexOf('='));
                String value = pair.substring(pair.indexOf('=') + 1);
                if (value.isEmpty() || c.contains("Max-Age=0")) cookies.remove(name);
                else cookies.put(name, value);
            }
            return r;
        }

        HttpResponse<String> get(int port, String path) throws Exception {
            return send(port, "GET", path, null);
        }

        /** Form login: the login page's CSRF token, then the POST. */
        HttpResponse<String> login(int port) throws Exception {
            String page = get(port, "/login").body();
            Matcher m = Pattern.compile("name=\"_csrf\" type=\"hidden\" value=\"([^\"]+)\"")
                    .matcher(page);
            assertTrue(m.find(), page);
            return send(
                    port,
                    "POST",
                    "/login",
                    "username=alice&password=wonderland&_csrf="
                            + URLEncoder.encode(m.group(1), StandardCharsets.UTF_8));
        }
    }

    private static String field(String body, String name) {
        Matcher m = Pattern.compile(name + "=(\\S+)").matcher(body);
        assertTrue(m.find(), name + " in " + body);
        return m.group(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tomcat", "jetty"})
    void twoInstancesOnOneRedis(String server) throws Exception {
        int a = start(server);
        int b = start(server);

        Browser one = new Browser();
        HttpResponse<String> first = one.get(a, "/count");
        assertEquals(200, first.statusCode(), first.body());
        assertTrue(first.body().contains("count=1 session=dev.unisession.web.UnifiedHttpSession"), first.body());
        assertNotNull(one.cookies.get("USESSION"), one.cookies.toString());
        assertFalse(one.cookies.containsKey("JSESSIONID"), "no container session: " + one.cookies);
        assertTrue(one.get(b, "/count").body().contains("count=2"), "the other instance has the session");

        String before = one.cookies.get("USESSION");
        HttpResponse<String> login = one.login(b);
        assertEquals(302, login.statusCode(), login.body());
        assertTrue(
                login.headers().firstValue("Location").orElse("").endsWith("/me"),
                login.headers().map().toString());
        assertNotEquals(before, one.cookies.get("USESSION"), "login renews the session");
        HttpResponse<String> me = one.get(a, "/me");
        assertEquals(200, me.statusCode(), me.body());
        assertEquals("alice", field(me.body(), "user"));
        assertEquals("alice", field(me.body(), "principal"));
        String id = field(me.body(), "id");
        assertTrue(one.get(a, "/count").body().contains("count=3"), "the attributes came along through the login");

        Browser two = new Browser();
        assertEquals(302, two.login(b).statusCode());
        HttpResponse<String> twoMe = two.get(b, "/me");
        assertEquals(200, twoMe.statusCode());
        assertNotEquals(id, field(twoMe.body(), "id"));

        HttpResponse<String> ended = one.send(
                a,
                "POST",
                "/logout-others",
                "_csrf=" + URLEncoder.encode(field(one.get(a, "/me").body(), "csrf"), StandardCharsets.UTF_8));
        assertEquals(200, ended.statusCode(), ended.body());
        assertEquals("ended=1", ended.body());
        HttpResponse<String> gone = two.get(b, "/me");
        assertEquals(302, gone.statusCode(), "the other session ended: " + gone.body());
        assertEquals(200, one.get(b, "/me").statusCode(), "this session stays");

        HttpResponse<String> health = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a + "/actuator/health"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode(), health.body());
        String unisession = health.body().substring(health.body().indexOf("\"unisession\":"));
        assertTrue(
                unisession.startsWith("\"unisession\":{\"details\":{\"status\":\"UP\",\"store\":\"redis\""),
                health.body());
        assertTrue(unisession.contains("\"tiers\":[{\"name\":\"near-cache\""), health.body());

        // the meters on the application's MeterRegistry (both logins were on the second instance)
        io.micrometer.core.instrument.MeterRegistry registry =
                apps.get(1).getBean(io.micrometer.core.instrument.MeterRegistry.class);
        assertEquals(
                2.0,
                registry.get("unisession.sessions.authenticated")
                        .functionCounter()
                        .count());
    }

    /** Without the auto-configuration the jar's initializer never runs: the container's own sessions. */
    @Test
    void withoutTheModuleTheDropInJarIsNotRegistered() throws Exception {
        java.net.URL services = getClass()
                .getClassLoader()
                .getResource("META-INF/services/jakarta.servlet.ServletContainerInitializer");
        assertNotNull(services, "the filter jar's initializer is on the class path");
        try (var in = services.openStream()) {
            assertTrue(
                    new String(in.readAllBytes(), StandardCharsets.UTF_8)
                            .contains("dev.unisession.web.UnisessionInitializer"),
                    services.toString());
        }
        int port = start("tomcat", "exclude:" + UnisessionAutoConfiguration.class.getName());
        Browser one = new Browser();
        HttpResponse<String> r = one.get(port, "/count");
        assertEquals(200, r.statusCode(), r.body());
        assertFalse(r.body().contains("dev.unisession"), r.body());
        assertTrue(
                one.cookies.containsKey("JSESSIONID") && !one.cookies.containsKey("USESSION"), one.cookies.toString());
    }
}
