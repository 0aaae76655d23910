package dev.unisession.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.atLeastOnce;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import dev.unisession.store.MemoryStore;
import dev.unisession.store.SessionStore;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

/** The filter against a Mockito-spied store: bad cookies never reach the store. */
class UnifiedSessionFilterTest {

    private final MemoryStore store = spy(new MemoryStore());
    private final UnifiedSessionFilter filter = new UnifiedSessionFilter();

    private FilterConfig config(Map<String, String> params) {
        return config(params, "/app");
    }

    private FilterConfig config(Map<String, String> params, String contextPath) {
        ServletContext ctx = mock(ServletContext.class);
        when(ctx.getAttribute(SessionStore.CONTEXT_ATTRIBUTE)).thenReturn(store);
        when(ctx.getInitParameterNames()).thenReturn(Collections.emptyEnumeration());
        when(ctx.getClassLoader()).thenReturn(getClass().getClassLoader());
        when(ctx.getContextPath()).thenReturn(contextPath);
        when(ctx.getSessionTimeout()).thenReturn(30);
        when(ctx.getServerInfo()).thenReturn("mock");
        FilterConfig fc = mock(FilterConfig.class);
        when(fc.getServletContext()).thenReturn(ctx);
        when(fc.getFilterName()).thenReturn("unisession");
        when(fc.getInitParameterNames()).thenReturn(Collections.enumeration(params.keySet()));
        params.forEach((k, v) -> when(fc.getInitParameter(k)).thenReturn(v));
        return fc;
    }

    @AfterEach
    void destroy() {
        filter.destroy();
    }

    private static HttpServletRequest request(Cookie... cookies) {
        HttpServletRequest req = mock(HttpServletRequest.class);
        when(req.getCookies()).thenReturn(cookies.length == 0 ? null : cookies);
        return withAttributes(req);
    }

    /** Request attributes that work on a mocked request. */
    private static HttpServletRequest withAttributes(HttpServletRequest req) {
        Map<String, Object> attrs = new HashMap<>();
        when(req.getAttribute(anyString())).thenAnswer(i -> attrs.get(i.<String>getArgument(0)));
        org.mockito.Mockito.doAnswer(i -> attrs.put(i.getArgument(0), i.getArgument(1)))
                .when(req)
                .setAttribute(anyString(), org.mockito.ArgumentMatchers.any());
        return req;
    }

    @Test
    void forgedCookiesCostNoStoreCall() throws Exception {
        filter.init(config(Map.of("unisession.token.keys", "k:QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=")));
        org.mockito.Mockito.clearInvocations(store); // start-up asks the store what it is; requests must not
        for (String bad : new String[] {"garbage", "eyJhbGciOiJub25lIn0.eyJzaWQiOiJ4In0.", "a.b.c"}) {
            HttpServletRequest req = request(new Cookie("USESSION", bad));
            HttpServletResponse res = mock(HttpServletResponse.class);
            filter.doFilter(req, res, (rq, rs) -> assertNull(((HttpServletRequest) rq).getSession(false)));
            ArgumentCaptor<String> header = ArgumentCaptor.forClass(String.class);
            verify(res, atLeastOnce()).addHeader(org.mockito.ArgumentMatchers.eq("Set-Cookie"), header.capture());
            assertTrue(header.getValue().contains("Max-Age=0"), "the bad cookie is cleared");
        }
        verifyNoInteractions(store);
    }

    @Test
    void aNewSessionIsStoredAndGetsACookieOnTheContextPathSecureWhenTheRequestIs() throws Exception {
        filter.init(config(Map.of()));
        for (boolean secure : new boolean[] {true, false}) {
            HttpServletRequest req = request();
            when(req.isSecure()).thenReturn(secure);
            HttpServletResponse res = mock(HttpServletResponse.class);
            filter.doFilter(
                    req, res, (rq, rs) -> ((HttpServletRequest) rq).getSession().setAttribute("a", "b"));
            ArgumentCaptor<String> header = ArgumentCaptor.forClass(String.class);
            verify(res).addHeader(org.mockito.ArgumentMatchers.eq("Set-Cookie"), header.capture());
            String cookie = header.getValue();
            assertTrue(
                    cookie.startsWith("USESSION=ey")
                            && cookie.contains("; Path=/app")
                            && cookie.contains("; HttpOnly")
                            && cookie.contains("; SameSite=Lax"),
                    cookie);
            assertEquals(secure, cookie.contains("; Secure"), "default auto: " + cookie);
        }
        verify(store, org.mockito.Mockito.times(2))
                .save(org.mockito.ArgumentMatchers.argThat(
                        d -> d.created() && d.changed().containsKey("a")));
    }

    private static Cookie cookieFrom(String setCookie) {
        int eq = setCookie.indexOf('=');
        return new Cookie(setCookie.substring(0, eq), setCookie.substring(eq + 1, setCookie.indexOf(';')));
    }

    @Test
    void aSessionStartedOverHttpContinuesOverHttpsUnderThePrefixedNameAndThePlainCookieIsCleared() throws Exception {
        filter.init(config(Map.of(), ""));
        HttpServletRequest http = SessionCookieTest.request(false, "127.0.0.1");
        List<String> first = SessionCookieTest.setCookies(
                res -> doFilter(http, res, rq -> rq.getSession().setAttribute("a", "b")));
        assertEquals(1, first.size(), first.toString());
        assertTrue(first.get(0).startsWith("USESSION=ey") && !first.get(0).contains("Secure"), first.get(0));

        HttpServletRequest https = SessionCookieTest.request(true, "127.0.0.1", cookieFrom(first.get(0)));
        List<String> moved = SessionCookieTest.setCookies(res -> doFilter(
                https, res, rq -> assertEquals("b", rq.getSession(false).getAttribute("a"))));
        assertEquals(2, moved.size(), moved.toString());
        assertTrue(moved.get(0).startsWith("__Host-USESSION=ey") && moved.get(0).contains("; Secure"), moved.get(0));
        assertTrue(moved.get(1).startsWith("USESSION=; Path=/; Max-Age=0"), moved.get(1));

        HttpServletRequest next = SessionCookieTest.request(true, "127.0.0.1", cookieFrom(moved.get(0)));
        List<String> none = SessionCookieTest.setCookies(res ->
                doFilter(next, res, rq -> assertEquals("b", rq.getSession(false).getAttribute("a"))));
        assertEquals(List.of(), none, "settled under the prefixed name");
    }

    private void doFilter(
            HttpServletRequest req, HttpServletResponse res, java.util.function.Consumer<HttpServletRequest> app) {
        withAttributes(req);
        try {
            filter.doFilter(req, res, (rq, rs) -> app.accept((HttpServletRequest) rq));
        } catch (java.io.IOException | ServletException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * {@code session.first-visit-timeout}: a new session lives that long until its client comes back with the
     * cookie (a crawler never does); then it gets the normal timeout, stored with that request. An interval the
     * application set in the first request stays.
     */
    @Test
    void aFirstVisitSessionGetsTheShortTimeoutUntilItsClientReturns() throws Exception {
        filter.init(config(Map.of("unisession.session.first-visit-timeout", "5m")));
        HttpServletRequest first = SessionCookieTest.request(false, "127.0.0.1");
        int[] seen = new int[1];
        List<String> cookies = SessionCookieTest.setCookies(res -> doFilter(first, res, rq -> {
            rq.getSession().setAttribute("a", "b");
            seen[0] = rq.getSession().getMaxInactiveInterval();
        }));
        assertEquals(300, seen[0]);
        String id = store.list(null, 10).sessions().get(0).id();
        assertEquals(300, store.load(id).maxInactiveSeconds(), "stored with the first-visit interval");

        HttpServletRequest back = SessionCookieTest.request(false, "127.0.0.1", cookieFrom(cookies.get(0)));
        SessionCookieTest.setCookies(
                res -> doFilter(back, res, rq -> seen[0] = rq.getSession(false).getMaxInactiveInterval()));
        assertEquals(1800, seen[0], "the client came back: the app's <session-timeout>");
        assertEquals(1800, store.load(id).maxInactiveSeconds(), "written with the returning request");

        HttpServletRequest own = SessionCookieTest.request(false, "127.0.0.1");
        List<String> ownCookies = SessionCookieTest.setCookies(
                res -> doFilter(own, res, rq -> rq.getSession().setMaxInactiveInterval(60)));
        HttpServletRequest ownBack = SessionCookieTest.request(false, "127.0.0.1", cookieFrom(ownCookies.get(0)));
        SessionCookieTest.setCookies(res ->
                doFilter(ownBack, res, rq -> seen[0] = rq.getSession(false).getMaxInactiveInterval()));
        assertEquals(60, seen[0], "an interval the application chose is kept");
    }

    @Test
    void badConfigurationFailsStartNamingTheKey() {
        ServletException e = assertThrows(
                ServletException.class, () -> filter.init(config(Map.of("unisession.cookie.secure", "maybe"))));
        assertTrue(e.getMessage().contains("unisession.cookie.secure"), e.getMessage());
        ServletException k = assertThrows(
                ServletException.class, () -> filter.init(config(Map.of("unisession.token.keys", "k:c2hvcnQ="))));
        assertTrue(
                k.getMessage().contains("unisession.token.keys")
                        && k.getMessage().contains("256"),
                k.getMessage());
    }
}
