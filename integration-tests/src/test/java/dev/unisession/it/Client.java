package dev.unisession.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A browser stand-in: java.net.http with its own cookie jar, no redirects followed. */
final class Client {

    private final CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
    private final HttpClient http = HttpClient.newBuilder()
            .cookieHandler(cookies)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** A plain GET through the cookie jar. */
    Reply get(URI uri) {
        return send(
                HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(30))
                        .GET()
                        .build(),
                http);
    }

    private static final HttpClient NO_JAR =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A GET with exactly this Cookie header and no cookie jar. */
    static Reply getWithCookie(URI uri, String cookieHeader) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET();
        if (cookieHeader != null) b.header("Cookie", cookieHeader);
        return send(b.build(), NO_JAR);
    }

    /** Every cookie in the jar. */
    List<java.net.HttpCookie> cookies() {
        return cookies.getCookieStore().getCookies();
    }

    /** A GET with these headers and no cookie jar. */
    static Reply getWith(URI uri, Map<String, String> headers) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET();
        headers.forEach(b::header);
        return send(b.build(), NO_JAR);
    }

    /** The value of our cookie in the jar, or null. */
    String cookie(String name) {
        return cookies.getCookieStore().getCookies().stream()
                .filter(c -> c.getName().equals(name))
                .map(java.net.HttpCookie::getValue)
                .findFirst()
                .orElse(null);
    }

    private static Reply send(HttpRequest request, HttpClient client) {
        try {
            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body(), r.headers().map());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A response: status, body, headers, and the body's "key=value" lines. */
    record Reply(int status, String body, Map<String, List<String>> headers) {

        Map<String, String> values() {
            Map<String, String> out = new LinkedHashMap<>();
            for (String line : body.split("\r?\n")) {
                int eq = line.indexOf('=');
                if (eq > 0 && line.length() < 4000) out.put(line.substring(0, eq), line.substring(eq + 1));
            }
            return out;
        }

        String value(String key) {
            return values().get(key);
        }

        List<String> setCookies() {
            return headers.getOrDefault("set-cookie", List.of());
        }

        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(java.util.Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.get(0);
        }
    }
}
