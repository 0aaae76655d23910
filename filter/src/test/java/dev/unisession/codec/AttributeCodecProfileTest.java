package dev.unisession.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyBoolean;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TimeZone;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.springframework.context.i18n.SimpleTimeZoneAwareLocaleContext;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.authentication.RememberMeAuthenticationToken;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.authentication.dao.DaoAuthenticationProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContextImpl;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.authentication.OAuth2AuthenticationToken;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.web.HttpSessionOAuth2AuthorizationRequestRepository;
import org.springframework.security.oauth2.client.web.HttpSessionOAuth2AuthorizedClientRepository;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.OAuth2RefreshToken;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationRequest;
import org.springframework.security.oauth2.core.oidc.OidcIdToken;
import org.springframework.security.oauth2.core.oidc.OidcUserInfo;
import org.springframework.security.oauth2.core.oidc.user.DefaultOidcUser;
import org.springframework.security.oauth2.core.oidc.user.OidcUserAuthority;
import org.springframework.security.oauth2.core.user.DefaultOAuth2User;
import org.springframework.security.oauth2.core.user.OAuth2UserAuthority;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.WebAttributes;
import org.springframework.security.web.authentication.WebAuthenticationDetails;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.security.web.csrf.HttpSessionCsrfTokenRepository;
import org.springframework.security.web.savedrequest.HttpSessionRequestCache;
import org.springframework.web.servlet.FlashMap;
import org.springframework.web.servlet.i18n.SessionLocaleResolver;
import org.springframework.web.servlet.support.SessionFlashMapManager;
import org.springframework.web.util.HttpSessionMutexListener;

/**
 * The Spring Security 7 and Spring MVC 7 profiles against what those frameworks really put into a session: each
 * value below is made by the framework's own session repository (or its own login) writing into a session, then
 * stored and read back with the profiles on, and refused with them off.
 */
class AttributeCodecProfileTest {

    private static final ClassLoader LOADER = AttributeCodecProfileTest.class.getClassLoader();

    private final AttributeCodec withProfiles = new AttributeCodec(
            LOADER,
            n -> false,
            new AttributeCodec.Policy(
                    List.of(), FrameworkProfile.select(List.of("auto"), LOADER), AttributeCodec.Mode.ENFORCE),
            1 << 20,
            4 << 20);
    private final AttributeCodec withoutProfiles = new AttributeCodec(LOADER, n -> false, List.of());

    /** A session whose attributes land in a map, and a request that has it. */
    private static final class FakeSession {
        final Map<String, Object> attributes = new LinkedHashMap<>();
        final HttpSession session = mock(HttpSession.class);
        final HttpServletRequest request = mock(HttpServletRequest.class);
        final HttpServletResponse response = mock(HttpServletResponse.class);

        FakeSession() {
            doAnswer(i -> attributes.put(i.getArgument(0), i.getArgument(1)))
                    .when(session)
                    .setAttribute(anyString(), any());
            doAnswer(i -> attributes.remove(i.getArgument(0))).when(session).removeAttribute(anyString());
            when(session.getAttribute(anyString())).thenAnswer(i -> attributes.get(i.<String>getArgument(0)));
            when(session.getAttributeNames()).thenAnswer(i -> Collections.enumeration(attributes.keySet()));
            when(session.getId()).thenReturn("0123456789");
            when(request.getSession()).thenReturn(session);
            when(request.getSession(anyBoolean())).thenReturn(session);
            when(request.getMethod()).thenReturn("GET");
            when(request.getScheme()).thenReturn("https");
            when(request.getServerName()).thenReturn("shop.example");
            when(request.getServerPort()).thenReturn(443);
            when(request.getContextPath()).thenReturn("");
            when(request.getServletPath()).thenReturn("/orders");
            when(request.getRequestURI()).thenReturn("/orders");
            when(request.getRequestURL()).thenAnswer(i -> new StringBuffer("https://shop.example/orders"));
            when(request.getQueryString()).thenReturn("page=2");
            when(request.getRemoteAddr()).thenReturn("10.0.0.7");
            when(request.getCookies()).thenReturn(new Cookie[] {new Cookie("theme", "dark")});
            Map<String, List<String>> headers = new LinkedHashMap<>();
            headers.put("Accept", List.of("text/html"));
            headers.put("User-Agent", List.of("Mozilla/5.0"));
            when(request.getHeaderNames()).thenAnswer(i -> Collections.enumeration(headers.keySet()));
            when(request.getHeaders(anyString()))
                    .thenAnswer(
                            i -> Collections.enumeration(headers.getOrDefault(i.<String>getArgument(0), List.of())));
            when(request.getHeader(anyString()))
                    .thenAnswer(i -> headers.getOrDefault(i.<String>getArgument(0), List.of()).stream()
                            .findFirst()
                            .orElse(null));
            when(request.getLocales()).thenAnswer(i -> Collections.enumeration(List.of(Locale.FRANCE, Locale.US)));
            when(request.getLocale()).thenReturn(Locale.FRANCE);
            when(request.getParameterMap()).thenReturn(Map.of("page", new String[] {"2"}));
            when(request.getParameter("page")).thenReturn("2");
            when(request.getDispatcherType()).thenReturn(jakarta.servlet.DispatcherType.REQUEST);
        }
    }

    private static Authentication login(String password) {
        UserDetails alice = User.withUsername("alice")
                .password("{noop}secret")
                .roles("USER")
                .build();
        DaoAuthenticationProvider dao = new DaoAuthenticationProvider(new InMemoryUserDetailsManager(alice));
        dao.setPasswordEncoder(PasswordEncoderFactories.createDelegatingPasswordEncoder());
        UsernamePasswordAuthenticationToken request =
                UsernamePasswordAuthenticationToken.unauthenticated("alice", password);
        request.setDetails(new WebAuthenticationDetails("10.0.0.7", "0123456789"));
        return new ProviderManager(dao).authenticate(request);
    }

    /** Everything a form login application keeps in the session, written by Spring Security itself. */
    private static Map<String, Object> springSecuritySession() {
        FakeSession s = new FakeSession();
        new HttpSessionRequestCache().saveRequest(s.request, s.response);
        CsrfToken csrf = new HttpSessionCsrfTokenRepository().generateToken(s.request);
        new HttpSessionCsrfTokenRepository().saveToken(csrf, s.request, s.response);
        try {
            login("wrong");
        } catch (BadCredentialsException e) {
            s.attributes.put(WebAttributes.AUTHENTICATION_EXCEPTION, e); // SimpleUrlAuthenticationFailureHandler
        }
        SecurityContextImpl context = new SecurityContextImpl(login("secret"));
        new HttpSessionSecurityContextRepository().saveContext(context, s.request, s.response);
        s.attributes.put(
                "rememberMe",
                new SecurityContextImpl(new RememberMeAuthenticationToken(
                        "key",
                        context.getAuthentication().getPrincipal(),
                        context.getAuthentication().getAuthorities())));
        s.attributes.put(
                "anonymous",
                new SecurityContextImpl(new AnonymousAuthenticationToken(
                        "key", "anonymousUser", AuthorityUtils.createAuthorityList("ROLE_ANONYMOUS"))));
        return s.attributes;
    }

    private static ClientRegistration google() {
        return ClientRegistration.withRegistrationId("google")
                .clientId("client")
                .clientSecret("secret")
                .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
                .redirectUri("{baseUrl}/login/oauth2/code/{registrationId}")
                .scope("openid", "profile", "email")
                .authorizationUri("https://accounts.google.com/o/oauth2/v2/auth")
                .tokenUri("https://www.googleapis.com/oauth2/v4/token")
                .jwkSetUri("https://www.googleapis.com/oauth2/v3/certs")
                .issuerUri("https://accounts.google.com")
                .userInfoUri("https://www.googleapis.com/oauth2/v3/userinfo")
                .userNameAttributeName("sub")
                .clientName("Google")
                .build();
    }

    /** What OAuth2 login and the OAuth2 client keep: the authorization request, the login, the authorized client. */
    private static Map<String, Object> oauth2Session() throws Exception {
        FakeSession s = new FakeSession();
        when(s.request.getParameter("state")).thenReturn("state-1");
        OAuth2AuthorizationRequest authorization = OAuth2AuthorizationRequest.authorizationCode()
                .authorizationUri("https://accounts.google.com/o/oauth2/v2/auth")
                .clientId("client")
                .redirectUri("https://shop.example/login/oauth2/code/google")
                .scopes(Set.of("openid", "profile"))
                .state("state-1")
                .additionalParameters(p -> {
                    p.put("nonce", "n-0S6_WzA2Mj");
                    p.put("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
                    p.put("code_challenge_method", "S256");
                })
                .attributes(a -> {
                    a.put("registration_id", "google");
                    a.put("code_verifier", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
                    a.put("nonce", "n-0S6_WzA2Mj");
                })
                .build();
        new HttpSessionOAuth2AuthorizationRequestRepository()
                .saveAuthorizationRequest(authorization, s.request, s.response);

        Instant now = Instant.now();
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", URI.create("https://accounts.google.com").toURL()); // the ID token decoder makes it a URL
        claims.put("sub", "1234567890");
        claims.put("aud", List.of("client"));
        claims.put("iat", now);
        claims.put("exp", now.plusSeconds(3600));
        claims.put("nonce", "n-0S6_WzA2Mj");
        claims.put("email", "alice@example.com");
        OidcIdToken idToken = new OidcIdToken("eyJhbGciOiJSUzI1NiJ9.e30.sig", now, now.plusSeconds(3600), claims);
        OidcUserInfo userInfo = new OidcUserInfo(Map.of("sub", "1234567890", "name", "Alice"));
        List<GrantedAuthority> authorities = new ArrayList<>();
        authorities.add(new OidcUserAuthority(idToken, userInfo));
        authorities.add(new org.springframework.security.core.authority.SimpleGrantedAuthority("SCOPE_openid"));
        OAuth2AuthenticationToken oidc = new OAuth2AuthenticationToken(
                new DefaultOidcUser(authorities, idToken, userInfo, "sub"), authorities, "google");
        oidc.setDetails(new WebAuthenticationDetails("10.0.0.7", "0123456789"));
        new HttpSessionSecurityContextRepository().saveContext(new SecurityContextImpl(oidc), s.request, s.response);

        Map<String, Object> githubAttributes = Map.of("id", 42, "login", "alice");
        List<GrantedAuthority> plain = List.of(new OAuth2UserAuthority(githubAttributes, "id"));
        s.attributes.put(
                "oauth2Login",
                new SecurityContextImpl(new OAuth2AuthenticationToken(
                        new DefaultOAuth2User(plain, githubAttributes, "id"), plain, "github")));

        OAuth2AuthorizedClient client = new OAuth2AuthorizedClient(
                google(),
                "1234567890",
                new OAuth2AccessToken(
                        OAuth2AccessToken.TokenType.BEARER,
                        "ya29.token",
                        now,
                        now.plusSeconds(3600),
                        Set.of("openid", "profile")),
                new OAuth2RefreshToken("1//refresh", now));
        new HttpSessionOAuth2AuthorizedClientRepository().saveAuthorizedClient(client, oidc, s.request, s.response);
        return s.attributes;
    }

    /** Spring MVC: flash attributes of a redirect, the session locale and time zone, the session mutex. */
    private static Map<String, Object> springMvcSession() {
        FakeSession s = new FakeSession();
        FlashMap flash = new FlashMap();
        flash.put("message", "Saved");
        flash.put("count", 3);
        flash.setTargetRequestPath("/notes");
        flash.addTargetRequestParam("sort", "date");
        new SessionFlashMapManager().saveOutputFlashMap(flash, s.request, s.response);
        SessionLocaleResolver locales = new SessionLocaleResolver();
        locales.setLocaleContext(
                s.request,
                s.response,
                new SimpleTimeZoneAwareLocaleContext(Locale.FRANCE, TimeZone.getTimeZone("Europe/Paris")));
        new HttpSessionMutexListener().sessionCreated(new HttpSessionEvent(s.session));
        return s.attributes;
    }

    private void storesAndReadsEvery(Map<String, Object> session) {
        storesAndReadsEvery(session, withProfiles);
    }

    private void storesAndReadsEvery(Map<String, Object> session, AttributeCodec codec) {
        assertFalse(session.isEmpty());
        for (Map.Entry<String, Object> e : session.entrySet()) {
            Object back = codec.decode(codec.encode(e.getKey(), e.getValue()));
            assertEquals(e.getValue().getClass(), back.getClass(), e.getKey());
        }
        assertTrue(
                session.values().stream()
                        .flatMap(v -> serializedClasses(v).stream())
                        .anyMatch(c -> !withoutProfiles.isAllowed(c)),
                "these values need a profile");
    }

    @Test
    void springSecurityFormLoginSessionIsStoredAndReadBack() {
        Map<String, Object> session = springSecuritySession();
        assertEquals(
                Set.of(
                        "SPRING_SECURITY_SAVED_REQUEST",
                        HttpSessionCsrfTokenRepository.class.getName().concat(".CSRF_TOKEN"),
                        WebAttributes.AUTHENTICATION_EXCEPTION,
                        "SPRING_SECURITY_CONTEXT",
                        "rememberMe",
                        "anonymous"),
                session.keySet());
        storesAndReadsEvery(session);
        SecurityContextImpl back = (SecurityContextImpl)
                withProfiles.decode(withProfiles.encode("c", session.get("SPRING_SECURITY_CONTEXT")));
        assertEquals("alice", back.getAuthentication().getName());
        assertTrue(back.getAuthentication().getAuthorities().stream()
                .anyMatch(a -> a.getAuthority().equals("ROLE_USER")));
        assertInstanceOf(
                WebAuthenticationDetails.class, back.getAuthentication().getDetails());
    }

    @Test
    void oauth2LoginAndClientSessionIsStoredAndReadBack() throws Exception {
        // The ID token's "iss" claim as a URL: no profile allows java.net.URL (as a map key it resolves its host when
        // read, ysoserial's URLDNS), so an OIDC application names it in unisession.codec.allow.
        java.net.URL issuer = URI.create("https://accounts.google.com").toURL();
        assertThrows(IllegalArgumentException.class, () -> withProfiles.encode("iss", issuer));
        AttributeCodec oidc = new AttributeCodec(
                LOADER,
                n -> false,
                new AttributeCodec.Policy(
                        List.of("java.net.URL"),
                        FrameworkProfile.select(List.of("auto"), LOADER),
                        AttributeCodec.Mode.ENFORCE),
                1 << 20,
                4 << 20);
        storesAndReadsEvery(oauth2Session(), oidc);
    }

    @Test
    void springMvcSessionIsStoredAndReadBack() {
        Map<String, Object> session = springMvcSession();
        storesAndReadsEvery(session);
        @SuppressWarnings("unchecked")
        List<FlashMap> maps = (List<FlashMap>) withProfiles.decode(
                withProfiles.encode("f", session.get(SessionFlashMapManager.class.getName() + ".FLASH_MAPS")));
        assertEquals("Saved", maps.get(0).get("message"));
        assertEquals("date", maps.get(0).getTargetRequestParams().getFirst("sort"));
    }

    @Test
    void withoutProfilesTheSameValuesAreRefusedWithTheKeyToAllowThem() {
        Object context = springSecuritySession().get("SPRING_SECURITY_CONTEXT");
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> withoutProfiles.encode("SPRING_SECURITY_CONTEXT", context));
        assertTrue(
                e.getMessage().contains("org.springframework.security.core.context.SecurityContextImpl")
                        && e.getMessage().contains("unisession.codec.allow"),
                e.getMessage());
        AttributeCodec none = new AttributeCodec(
                LOADER,
                n -> false,
                new AttributeCodec.Policy(
                        List.of(), FrameworkProfile.select(List.of("none"), LOADER), AttributeCodec.Mode.ENFORCE),
                1 << 20,
                4 << 20);
        assertThrows(IllegalArgumentException.class, () -> none.encode("SPRING_SECURITY_CONTEXT", context));
    }

    @Test
    void profilesAreDetectedFromTheClassPathAndNamedExplicitly() {
        assertEquals(
                List.of(FrameworkProfile.SPRING_SECURITY, FrameworkProfile.SPRING_MVC),
                FrameworkProfile.select(List.of("auto"), LOADER));
        ClassLoader bare = new ClassLoader(null) {};
        assertEquals(List.of(), FrameworkProfile.select(List.of("auto"), bare));
        assertEquals(List.of(FrameworkProfile.SPRING_MVC), FrameworkProfile.select(List.of("spring-mvc"), bare));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> FrameworkProfile.select(List.of("struts"), LOADER));
        assertTrue(e.getMessage().contains("unisession.codec.profiles"), e.getMessage());
    }

    @Test
    void reportModeStoresWhatEnforceRefusesAndStillRefusesGadgetsAndProxies() {
        AttributeCodec report = new AttributeCodec(
                LOADER,
                n -> false,
                new AttributeCodec.Policy(List.of(), List.of(), AttributeCodec.Mode.REPORT),
                1 << 20,
                4 << 20);
        Object context = springSecuritySession().get("SPRING_SECURITY_CONTEXT");
        assertEquals(
                context.getClass(), report.decode(report.encode("c", context)).getClass());
        assertThrows(
                IllegalArgumentException.class,
                () -> report.encode("g", new org.apache.commons.collections.functors.ConstantTransformer("x")));
        assertThrows(IllegalArgumentException.class, () -> report.encode("p", GadgetDenyTest.proxy()));
    }

    /** Every class whose descriptor a value's serialized form carries. */
    static Set<Class<?>> serializedClasses(Object value) {
        Set<Class<?>> out = new TreeSet<>((a, b) -> a.getName().compareTo(b.getName()));
        try (ObjectOutputStream o = new ObjectOutputStream(new ByteArrayOutputStream()) {
            @Override
            protected void annotateClass(Class<?> cl) {
                out.add(cl);
            }
        }) {
            o.writeObject(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** Prints the classes of every value that no JDK default allows (how the profiles' lists were found). */
    public static void main(String[] args) throws Exception {
        AttributeCodec bare = new AttributeCodec(LOADER, n -> false, List.of());
        Map<String, Object> all = new HashMap<>(springSecuritySession());
        all.putAll(oauth2Session());
        all.putAll(springMvcSession());
        Set<String> needed = new TreeSet<>();
        for (Object v : all.values()) {
            for (Class<?> c : serializedClasses(v)) if (!bare.isAllowed(c)) needed.add(c.getName());
        }
        needed.forEach(System.out::println);
    }
}
