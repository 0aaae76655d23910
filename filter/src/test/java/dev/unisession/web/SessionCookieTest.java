package dev.unisession.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.unisession.config.ConfigSource;
import dev.unisession.config.UnisessionConfig;
import dev.unisession.testing.LogCapture;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mockito.ArgumentCaptor;

/** {@code unisession.cookie.secure} × secure or plain requests: the attribute, the name, and what is logged. */
class SessionCookieTest {

    private LogCapture log;

    @BeforeEach
    void listen() {
        log = LogCapture.of(SessionCookie.class);
    }

    @AfterEach
    void stopListening() {
        log.close();
    }

    private static SessionCookie cookie(String contextPath, String... settings) {
        Map<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i + 1 < settings.length; i += 2) m.put(settings[i], settings[i + 1]);
        return new SessionCookie(UnisessionConfig.from(List.of(ConfigSource.of("init-param", m))), contextPath);
    }

    static HttpServletRequest request(boolean secure, String remote, Cookie... cookies) {
        HttpServletRequest r = mock(HttpServletRequest.class);
        when(r.isSecure()).thenReturn(secure);
        when(r.getScheme()).thenReturn(secure ? "https" : "http");
        when(r.getServerName()).thenReturn("intranet.test");
        when(r.getServerPort()).thenReturn(secure ? 443 : 80);
        when(r.getRemoteAddr()).thenReturn(remote);
        when(r.getCookies()).thenReturn(cookies.length == 0 ? null : cookies);
        return r;
    }

    /** The Set-Cookie headers a call adds. */
    static List<String> setCookies(java.util.function.Consumer<HttpServletResponse> call) {
        HttpServletResponse res = mock(HttpServletResponse.class);
        call.accept(res);
        ArgumentCaptor<String> h = ArgumentCaptor.forClass(String.class);
        org.mockito.Mockito.verify(res, org.mockito.Mockito.atLeast(0))
                .addHeader(org.mockito.ArgumentMatchers.eq("Set-Cookie"), h.capture());
        return h.getAllValues();
    }

    private List<LogRecord> logged(Level level) {
        return log.at(level);
    }

    @ParameterizedTest(name = "cookie.secure={0}, request secure={1}")
    @CsvSource({
        "auto,  true,  __Host-USESSION, true",
        "auto,  false, USESSION,        false",
        "true,  true,  __Host-USESSION, true",
        "true,  false, __Host-USESSION, true",
        "false, true,  USESSION,        false",
        "false, false, USESSION,        false"
    })
    void eachValueForSecureAndPlainRequests(String setting, boolean secureRequest, String name, boolean secure) {
        SessionCookie c = cookie("", "unisession.cookie.secure", setting);
        HttpServletRequest req = request(secureRequest, "127.0.0.1");
        assertEquals(secure, c.secure(req));
        List<String> issued = setCookies(res -> c.issue(req, res, "tok"));
        assertEquals(1, issued.size(), issued.toString());
        assertTrue(issued.get(0).startsWith(name + "=tok; Path=/; HttpOnly"), issued.get(0));
        assertEquals(secure, issued.get(0).contains("; Secure"), issued.get(0));
        List<String> hint = setCookies(res -> c.issueVersion(req, res, "abcdef", 7));
        assertEquals(
                List.of(name + "_V=abcdef.7; Path=/; HttpOnly" + (secure ? "; Secure" : "") + "; SameSite=Lax"),
                hint,
                "the version hint follows the same rule");
    }

    @Test
    void theHostPrefixOnlyWhereItsConditionsHold() {
        HttpServletRequest https = request(true, "127.0.0.1");
        assertTrue(
                setCookies(res -> cookie("/app").issue(https, res, "t")).get(0).startsWith("USESSION=t; Path=/app"),
                "Path is not /: no prefix, still Secure");
        assertTrue(
                setCookies(res -> cookie("", "unisession.cookie.domain", "example.com")
                                .issue(https, res, "t"))
                        .get(0)
                        .startsWith("USESSION=t; Path=/; Domain=example.com"),
                "a Domain: no prefix");
        assertTrue(
                setCookies(res -> cookie("/app", "unisession.cookie.path", "/").issue(https, res, "t"))
                        .get(0)
                        .startsWith("__Host-USESSION=t; Path=/;"),
                "the configured path / at a context path");
        String none = setCookies(res ->
                        cookie("", "unisession.cookie.same-site", "None").issue(request(false, "127.0.0.1"), res, "t"))
                .get(0);
        assertTrue(
                none.startsWith("__Host-USESSION=t;") && none.contains("; Secure"),
                "SameSite=None is only kept when Secure, so auto makes it Secure always: " + none);
    }

    @Test
    void thePrefixedNameIsReadFirstAndThePlainOneWithoutIt() {
        SessionCookie c = cookie("");
        HttpServletRequest req = request(
                false,
                "127.0.0.1",
                new Cookie("USESSION", "plain"),
                new Cookie("other", "x"),
                new Cookie("__Host-USESSION", "prefixed"),
                new Cookie("USESSION", ""));
        assertEquals(List.of(new SessionCookie.Sent("__Host-USESSION", "prefixed")), c.values(req));
        assertEquals(
                List.of(new SessionCookie.Sent("USESSION", "plain")),
                cookie("", "unisession.cookie.secure", "false").values(req),
                "false never writes the prefixed name");
        HttpServletRequest hints = request(true, "127.0.0.1", new Cookie("USESSION_V", "abcdef.3"));
        assertEquals(3, c.version(hints, "abcdef"), "the plain-named hint is read on a secure request");
    }

    @Test
    void aSecureRequestMovesTheCookieToThePrefixedNameAndClearsThePlainOne() {
        SessionCookie c = cookie("");
        HttpServletRequest https =
                request(true, "127.0.0.1", new Cookie("USESSION", "old"), new Cookie("USESSION_V", "abcdef.2"));
        assertTrue(c.renames(https, "USESSION"));
        assertFalse(c.renames(https, "__Host-USESSION"));
        assertFalse(c.renames(request(false, "127.0.0.1"), "USESSION"), "never from Secure to plain");
        assertFalse(c.renames(request(false, "127.0.0.1"), "__Host-USESSION"), "never from Secure to plain");
        List<String> headers = setCookies(res -> c.issue(https, res, "new"));
        assertEquals(3, headers.size(), headers.toString());
        assertTrue(headers.get(0).startsWith("__Host-USESSION=new;")
                && headers.get(0).contains("; Secure"));
        assertTrue(headers.get(1).startsWith("USESSION=; Path=/; Max-Age=0"), headers.get(1));
        assertTrue(headers.get(2).startsWith("USESSION_V=; Path=/; Max-Age=0"), headers.get(2));

        List<String> cleared = setCookies(res -> c.clear(
                request(false, "127.0.0.1", new Cookie("__Host-USESSION", "a"), new Cookie("USESSION", "b")), res));
        assertEquals(2, cleared.size(), cleared.toString());
        assertTrue(cleared.get(0).startsWith("USESSION=; Path=/; Max-Age=0")
                && !cleared.get(0).contains("Secure"));
        assertTrue(
                cleared.get(1).startsWith("__Host-USESSION=; Path=/; Max-Age=0")
                        && cleared.get(1).contains("; Secure"),
                "a __Host- cookie is only removed by a Secure one");
    }

    @Test
    void trueOnAPlainRequestWarnsOncePerContextNamingTheKeyAndWhatTheBrowserDoes() {
        SessionCookie one = cookie("", "unisession.cookie.secure", "true");
        one.secure(request(true, "10.0.0.5"));
        assertEquals(List.of(), logged(Level.WARNING), "a secure request is fine");
        String text = loggedOnce(Level.WARNING, one, "10.0.0.5");
        assertTrue(
                text.contains("unisession.cookie.secure=true")
                        && text.contains("http://intranet.test:80")
                        && text.contains("browsers do not store a Secure cookie set over plain HTTP")
                        && text.contains("new, empty session"),
                text);
        cookie("/other", "unisession.cookie.secure", "true").secure(request(false, "127.0.0.1"));
        assertEquals(2, logged(Level.WARNING).size(), "another context warns once too");
        assertEquals(List.of(), logged(Level.INFO));
    }

    @Test
    void autoOnAPlainRequestFromAnotherHostInformsOnceHowToForceItAndHowToSeeHttpsBehindAProxy() {
        SessionCookie c = cookie("");
        c.secure(request(false, "127.0.0.1"));
        c.secure(request(false, "::1"));
        c.secure(request(true, "10.0.0.5"));
        assertEquals(List.of(), logged(Level.INFO), "loopback clients and secure requests: nothing to say");
        String text = loggedOnce(Level.INFO, c, "10.0.0.5");
        assertTrue(
                text.contains("10.0.0.5")
                        && text.contains("unisession.cookie.secure=true")
                        && text.contains("RemoteIpValve")
                        && text.contains("ForwardedRequestCustomizer"),
                text);
        assertEquals(List.of(), logged(Level.WARNING));
    }

    @Test
    void autoInformsForALoopbackRequestThatAProxyForwardedFromHttps() {
        SessionCookie c = cookie("");
        HttpServletRequest proxied = request(false, "127.0.0.1");
        when(proxied.getHeader("X-Forwarded-Proto")).thenReturn("https");
        c.secure(proxied);
        c.secure(proxied);
        List<LogRecord> infos = logged(Level.INFO);
        assertEquals(1, infos.size());
        assertTrue(format(infos.get(0)).contains("forwarded from HTTPS"), format(infos.get(0)));
        HttpServletRequest forwarded = request(false, "127.0.0.1");
        when(forwarded.getHeader("Forwarded")).thenReturn("for=192.0.2.60;proto=\"https\";by=203.0.113.43");
        assertEquals("https", SessionCookie.forwardedProto(forwarded));
    }

    @Test
    void autoFollowsTheApplicationsOwnSessionConfigWhenItMarksCookiesSecure() {
        jakarta.servlet.SessionCookieConfig scc = mock(jakarta.servlet.SessionCookieConfig.class);
        when(scc.isSecure()).thenReturn(true);
        jakarta.servlet.ServletContext ctx = mock(jakarta.servlet.ServletContext.class);
        when(ctx.getSessionCookieConfig()).thenReturn(scc);
        SessionCookie c = cookie("");
        HttpServletRequest http = request(false, "127.0.0.1");
        when(http.getServletContext()).thenReturn(ctx);
        List<String> issued = setCookies(res -> c.issue(http, res, "t"));
        assertTrue(
                issued.get(0).startsWith("__Host-USESSION=t;") && issued.get(0).contains("; Secure"), issued.get(0));
        assertEquals(1, logged(Level.INFO).size(), "said once at first use");
        assertTrue(format(logged(Level.WARNING).get(0)).contains("session-config"));
        when(scc.isSecure()).thenReturn(false);
        assertFalse(cookie("").secure(http), "not marked Secure: auto as usual");
        assertFalse(cookie("", "unisession.cookie.secure", "false").secure(http), "false wins");
    }

    @Test
    void falseLogsNothing() {
        SessionCookie c = cookie("", "unisession.cookie.secure", "false");
        c.secure(request(false, "10.0.0.5"));
        c.secure(request(true, "10.0.0.5"));
        assertEquals(List.of(), log.records());
    }

    /** Asks three times about a plain request from {@code remote}: exactly one record of {@code level} results. */
    private String loggedOnce(Level level, SessionCookie c, String remote) {
        for (int i = 0; i < 3; i++) c.secure(request(false, remote));
        List<LogRecord> records = logged(level);
        assertEquals(1, records.size(), "once per context: " + records);
        return format(records.get(0));
    }

    private static String format(LogRecord r) {
        return new java.util.logging.SimpleFormatter().formatMessage(r);
    }

    /**
     * Security review, finding 5: a sibling subdomain or a plain-HTTP page can set the plain name, never the
     * {@code __Host-} one, so beside a {@code __Host-} value plain-named ones are not read; alone, they are (a site
     * that moved to HTTPS keeps its sessions).
     */
    @Test
    void aPlainNamedCookieBesideAHostOneIsNotRead() {
        SessionCookie c = cookie("");
        HttpServletRequest both =
                request(true, "10.0.0.1", new Cookie("USESSION", "tossed"), new Cookie("__Host-USESSION", "own"));
        assertEquals(List.of(new SessionCookie.Sent("__Host-USESSION", "own")), c.values(both));
        HttpServletRequest plainOnly = request(true, "10.0.0.1", new Cookie("USESSION", "earlier"));
        assertEquals(List.of(new SessionCookie.Sent("USESSION", "earlier")), c.values(plainOnly));
    }

    /** A cookie name per application: with cookie.path=/ each context gets a __Host- cookie of its own. */
    @Test
    void theCookieNameCanNameTheApplication() {
        SessionCookie shop =
                cookie("/shop", "unisession.cookie.name", "USESSION-{application}", "unisession.cookie.path", "/");
        SessionCookie admin =
                cookie("/admin", "unisession.cookie.name", "USESSION-{application}", "unisession.cookie.path", "/");
        assertEquals("__Host-USESSION-shop", shop.name(true));
        assertEquals("__Host-USESSION-admin", admin.name(true));
        assertEquals("USESSION-shop", shop.name(false));
        assertThrows(IllegalArgumentException.class, () -> cookie("/x", "unisession.cookie.name", "US{app}"));
    }
}
