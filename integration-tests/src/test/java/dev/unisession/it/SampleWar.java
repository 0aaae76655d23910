package dev.unisession.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** The sample shop's WAR as the build made it (unisession only as jars in WEB-INF/lib), and a browser-like client. */
final class SampleWar {

    private SampleWar() {}

    /** A fresh copy of the WAR (each deployment unpacks its own). */
    static Path copy() {
        Path war = Path.of(System.getProperty("it.unisession.sampleWar", "target/sample/unisession-sample.war"));
        if (!Files.isRegularFile(war)) throw new IllegalStateException(war + " is missing: run 'mvn verify'");
        try {
            Path dir = Files.createTempDirectory("sample-war");
            return Files.copy(war, dir.resolve("unisession-sample.war"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The settings of a node: a memory store unless more are given; one signing key for every node. */
    static Map<String, String> params(String keys, String... more) {
        Map<String, String> p = new HashMap<>();
        p.put("unisession.token.keys", keys);
        p.put("unisession.health.enabled", "true");
        p.put("unisession.health.allow-loopback", "true");
        for (int i = 0; i + 1 < more.length; i += 2) p.put(more[i], more[i + 1]);
        return p;
    }

    /** A client with its own cookie jar that follows redirects (POST, then GET), like a browser. */
    static final class Browser {
        private final HttpClient http = HttpClient.newBuilder()
                .cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(5))
                .build();

        String get(URI uri) {
            return send(HttpRequest.newBuilder(uri).GET().build());
        }

        String post(URI uri, String... form) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i + 1 < form.length; i += 2) {
                if (b.length() > 0) b.append('&');
                b.append(form[i]).append('=').append(URLEncoder.encode(form[i + 1], StandardCharsets.UTF_8));
            }
            return send(HttpRequest.newBuilder(uri)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(b.toString()))
                    .build());
        }

        private String send(HttpRequest r) {
            try {
                HttpResponse<String> resp = http.send(r, HttpResponse.BodyHandlers.ofString());
                if (resp.statusCode() >= 500) {
                    throw new AssertionError(resp.statusCode() + " from " + r.uri() + ": " + resp.body());
                }
                return resp.body();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
