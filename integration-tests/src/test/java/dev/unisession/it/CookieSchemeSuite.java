package dev.unisession.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code unisession.cookie.secure=auto} (the default) in headless Chromium, with the jar dropped into an unmodified
 * app: plain HTTP under a host name that is not localhost (so the browser gives it no localhost leniency) keeps the
 * session; HTTPS (a test connector with a self-signed certificate made now) gets a Secure {@code __Host-} cookie; a
 * session started over HTTP continues over HTTPS, moved to the prefixed name; and behind a proxy that says
 * {@code X-Forwarded-Proto: https}, with the container told to believe it, the cookie is Secure.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class CookieSchemeSuite {

    abstract Container container();

    private static final String HOST = TestCertificate.HOST;
    private static final String PLAIN = SessionSuite.COOKIE;
    private static final String PREFIXED = "__Host-" + SessionSuite.COOKIE;

    private final String keys = Keys.entry("k1", Keys.secret());
    private RunningServer server;

    @BeforeAll
    void start() throws Exception {
        Browser.require();
        server = start(Map.of());
    }

    @AfterAll
    void stop() throws Exception {
        if (server != null) server.close();
    }

    /** The drop-in app with default settings but these, on HTTP (believing X-Forwarded-*) and HTTPS. */
    private RunningServer start(Map<String, String> settings) throws Exception {
        Map<String, String> params = new LinkedHashMap<>(settings);
        params.put("unisession.token.keys", keys);
        return container()
                .start(
                        TestWebapp.dropIn(),
                        params,
                        Map.of(),
                        null,
                        new Container.Connectors(TestCertificate.create(), true));
    }

    /** A browser that resolves intranet.test to 127.0.0.1 and takes the self-signed certificate. */
    private static Browser browser() {
        return new Browser(
                "--host-resolver-rules=MAP " + HOST + " 127.0.0.1",
                "--ignore-certificate-errors",
                "--disable-features=HttpsUpgrades");
    }

    /** The test app's "key=value" lines on the page at that address. */
    private static Map<String, String> page(Browser b, java.net.URI uri) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : b.open(uri).text("body").split("\r?\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) out.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return out;
    }

    @Test
    void plainHttpUnderAHostNameThatIsNotLocalhostKeepsTheSession() {
        try (Browser b = browser()) {
            String id = page(b, server.uri(false, HOST, "/s?op=set&name=a&value=hello"))
                    .get("session");
            Map<String, String> again = page(b, server.uri(false, HOST, "/s?op=info"));
            assertEquals(id, again.get("session"), "the browser kept the cookie: " + again);
            assertEquals("hello", again.get("attr.a"));
            org.openqa.selenium.Cookie cookie = b.cookies().get(PLAIN);
            assertNotNull(cookie, b.cookies().toString());
            assertFalse(cookie.isSecure(), "a plain-HTTP request: not Secure, as the container's own cookie");
            assertTrue(cookie.isHttpOnly());
        }
    }

    @Test
    void httpsGetsASecureHostPrefixedCookieAndKeepsTheSession() {
        try (Browser b = browser()) {
            String id = page(b, server.uri(true, HOST, "/s?op=set&name=a&value=secret"))
                    .get("session");
            Map<String, String> again = page(b, server.uri(true, HOST, "/s?op=info"));
            assertEquals(id, again.get("session"), again.toString());
            assertEquals("secret", again.get("attr.a"));
            Map<String, org.openqa.selenium.Cookie> cookies = b.cookies();
            assertEquals(List.of(PREFIXED), List.copyOf(cookies.keySet()), "one cookie, __Host- at the root context");
            assertTrue(cookies.get(PREFIXED).isSecure() && cookies.get(PREFIXED).isHttpOnly());
        }
    }

    @Test
    void aSessionStartedOverHttpContinuesWhenTheBrowserSwitchesToHttpsOnTheSameHost() {
        try (Browser b = browser()) {
            String id = page(b, server.uri(false, HOST, "/s?op=set&name=cart&value=apple"))
                    .get("session");
            assertNotNull(b.cookies().get(PLAIN));

            Map<String, String> over = page(b, server.uri(true, HOST, "/s?op=info"));
            assertEquals(id, over.get("session"), "the same session over HTTPS: " + over);
            assertEquals("apple", over.get("attr.cart"));
            Map<String, org.openqa.selenium.Cookie> cookies = b.cookies();
            assertEquals(
                    List.of(PREFIXED),
                    List.copyOf(cookies.keySet()),
                    "moved to the Secure __Host- name, the plain cookie cleared: " + cookies);
            assertTrue(cookies.get(PREFIXED).isSecure());

            page(b, server.uri(true, HOST, "/s?op=set&name=card&value=4242"));
            Map<String, String> after = page(b, server.uri(true, HOST, "/s?op=info"));
            assertEquals(id, after.get("session"));
            assertEquals("apple", after.get("attr.cart"));
            assertEquals("4242", after.get("attr.card"));
        }
    }

    @Test
    void behindAProxyThatForwardsHttpsTheCookieIsSecure() {
        Client.Reply proxied = Client.getWith(
                server.uri("/s?op=create"), Map.of("X-Forwarded-Proto", "https", "X-Forwarded-For", "203.0.113.7"));
        String cookie = proxied.setCookies().stream()
                .filter(h -> h.startsWith(PREFIXED + "="))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + PREFIXED + " cookie: " + proxied.setCookies()));
        assertTrue(cookie.contains("; Secure") && cookie.contains("; Path=/;"), cookie);

        Client.Reply direct = Client.getWith(server.uri("/s?op=create"), Map.of());
        String plain = direct.setCookies().stream()
                .filter(h -> h.startsWith(PLAIN + "="))
                .findFirst()
                .orElseThrow();
        assertFalse(plain.contains("Secure"), "the same connector without the proxy's header: " + plain);
    }

    /** Reading both names must not let a cookie planted over HTTP (or by a subdomain) shadow the __Host- one. */
    @Test
    void aPlainNamedCookieDoesNotShadowTheHostCookieOnASecureRequest() {
        Map<String, String> https = Map.of("X-Forwarded-Proto", "https");
        Client.Reply victim = Client.getWith(server.uri("/s?op=set&name=owner&value=victim"), https);
        Client.Reply attacker = Client.getWith(server.uri("/s?op=set&name=owner&value=attacker"), Map.of());
        String victimCookie = victim.setCookies().get(0);
        String planted = attacker.setCookies().get(0);
        assertTrue(victimCookie.startsWith(PREFIXED + "=") && planted.startsWith(PLAIN + "="), victimCookie + planted);
        String both = planted.substring(0, planted.indexOf(';')) + "; "
                + victimCookie.substring(0, victimCookie.indexOf(';'));
        Client.Reply r = Client.getWith(server.uri("/s?op=info"), Map.of("X-Forwarded-Proto", "https", "Cookie", both));
        assertEquals(victim.value("session"), r.value("session"));
        assertEquals("victim", r.value("attr.owner"));
    }

    /** What the old default did, and what {@code true} still does: the browser drops the cookie over plain HTTP. */
    @Test
    void withSecureTrueThePlainHttpBrowserLosesTheSession() throws Exception {
        try (RunningServer always = start(Map.of("unisession.cookie.secure", "true"));
                Browser b = browser()) {
            String id = page(b, always.uri(false, HOST, "/s?op=set&name=a&value=hello"))
                    .get("session");
            Map<String, String> again = page(b, always.uri(false, HOST, "/s?op=info"));
            assertNotEquals(id, again.get("session"), "the Secure cookie was not kept over plain HTTP: " + again);
            assertEquals("none", again.get("session"));
            assertTrue(b.cookies().isEmpty(), b.cookies().toString());
        }
    }
}
