package dev.unisession.web;

import static org.junit.jupiter.api.Assertions.assertNotNull;
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

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/** The filter against a Mockito-spied store: bad cookies never reach the store. */
class UnifiedSessionFilterTest {

    private final SessionStore store = spy(new MemoryStore());
    private final UnifiedSessionFilter filter = new UnifiedSessionFilter();

    private FilterConfig config(Map<String, String> params) {
        ServletContext ctx = mock(ServletContext.class);
        when(ctx.getAttribute(SessionStore.CONTEXT_ATTRIBUTE)).thenReturn(store);
        when(ctx.getInitParameterNames()).thenReturn(Collections.emptyEnumeration());
        when(ctx.getClassLoader()).thenReturn(getClass().getClassLoader());
        when(ctx.getContextPath()).thenReturn("/app");
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
        Map<String, Object> attrs = new HashMap<>();
        when(req.getCookies()).thenReturn(cookies.length == 0 ? null : cookies);
        when(req.getAttribute(anyString())).thenAnswer(i -> attrs.get(i.<String>getArgument(0)));
        org.mockito.Mockito.doAnswer(i -> attrs.put(i.getArgument(0), i.getArgument(1)))
                .when(req).setAttribute(anyString(), org.mockito.ArgumentMatchers.any());
        return req;
    }

    @Test
    void forgedCookiesCostNoStoreCall() throws Exception {
        filter.init(config(Map.of("unisession.token.keys", "k:" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=")));
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
    void aNewSessionIsStoredAndGetsASecureCookieOnTheContextPath() throws Exception {
        filter.init(config(Map.of()));
        HttpServletRequest req = request();
        HttpServletResponse res = mock(HttpServletResponse.class);
        filter.doFilter(req, res, (rq, rs) -> ((HttpServletRequest) rq).getSession().setAttribute("a", "b"));
        ArgumentCaptor<String> header = ArgumentCaptor.forClass(String.class);
        verify(res).addHeader(org.mockito.ArgumentMatchers.eq("Set-Cookie"), header.capture());
        String cookie = header.getValue();
        assertTrue(cookie.startsWith("USESSION=ey") && cookie.contains("; Path=/app") && cookie.contains("; Secure")
                && cookie.contains("; HttpOnly") && cookie.contains("; SameSite=Lax"), cookie);
        verify(store).save(org.mockito.ArgumentMatchers.argThat(d -> d.created() && d.changed().containsKey("a")));
        assertNotNull(cookie);
    }

    @Test
    void badConfigurationFailsStartNamingTheKey() {
        ServletException e = assertThrows(ServletException.class,
                () -> filter.init(config(Map.of("unisession.cookie.secure", "maybe"))));
        assertTrue(e.getMessage().contains("unisession.cookie.secure"), e.getMessage());
        ServletException k = assertThrows(ServletException.class,
                () -> filter.init(config(Map.of("unisession.token.keys", "k:c2hvcnQ="))));
        assertTrue(k.getMessage().contains("unisession.token.keys") && k.getMessage().contains("256"), k.getMessage());
    }
}
