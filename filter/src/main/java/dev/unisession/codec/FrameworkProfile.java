package dev.unisession.codec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The exact classes one framework keeps in sessions, allowed when the framework is on the web application's class
 * path. Built in: {@code spring-security} and {@code spring-mvc}. A jar or the application can add its own with a
 * {@value #RESOURCE} resource ({@code name}, {@code detect}: a class that marks the framework, {@code classes}:
 * exact class names). No profile can allow a class on the {@link GadgetDenyList}.
 *
 * @param name    the profile's name in {@code unisession.codec.profiles}
 * @param detect  a class whose presence turns the profile on under {@code auto}
 * @param classes the exact class names allowed (nested classes must be named too)
 */
public record FrameworkProfile(String name, String detect, Set<String> classes) {

    /** Resource name of a profile shipped by a jar or the application. */
    public static final String RESOURCE = "META-INF/unisession-codec-profile.properties";

    /**
     * Spring Security 7: what HttpSessionSecurityContextRepository, HttpSessionRequestCache,
     * HttpSessionCsrfTokenRepository, the authentication failure handler, remember-me, and the OAuth2 client and
     * login repositories put into the session, with every class their fields hold (found by serializing the real
     * objects: AttributeCodecProfileTest).
     */
    public static final FrameworkProfile SPRING_SECURITY = new FrameworkProfile(
            "spring-security",
            "org.springframework.security.core.context.SecurityContextImpl",
            Set.of(
                    // context, tokens, details, authorities, the user
                    "org.springframework.security.core.context.SecurityContextImpl",
                    "org.springframework.security.authentication.AbstractAuthenticationToken",
                    "org.springframework.security.authentication.UsernamePasswordAuthenticationToken",
                    "org.springframework.security.authentication.RememberMeAuthenticationToken",
                    "org.springframework.security.authentication.AnonymousAuthenticationToken",
                    "org.springframework.security.authentication.ott.OneTimeTokenAuthenticationToken",
                    "org.springframework.security.web.authentication.preauth.PreAuthenticatedAuthenticationToken",
                    "org.springframework.security.web.authentication.WebAuthenticationDetails",
                    "org.springframework.security.web.authentication.preauth."
                            + "PreAuthenticatedGrantedAuthoritiesWebAuthenticationDetails",
                    "org.springframework.security.core.authority.SimpleGrantedAuthority",
                    "org.springframework.security.core.authority.FactorGrantedAuthority",
                    "org.springframework.security.web.authentication.switchuser.SwitchUserGrantedAuthority",
                    "org.springframework.security.core.userdetails.User",
                    "org.springframework.security.core.userdetails.User$AuthorityComparator",
                    // the saved request (HttpSessionRequestCache)
                    "org.springframework.security.web.savedrequest.DefaultSavedRequest",
                    "org.springframework.security.web.savedrequest.SavedCookie",
                    "java.lang.String$CaseInsensitiveComparator",
                    // the CSRF token (HttpSessionCsrfTokenRepository)
                    "org.springframework.security.web.csrf.DefaultCsrfToken",
                    // the last failed login (WebAttributes.AUTHENTICATION_EXCEPTION)
                    "java.lang.Throwable",
                    "java.lang.Exception",
                    "java.lang.RuntimeException",
                    "java.lang.StackTraceElement",
                    "org.springframework.security.core.AuthenticationException",
                    "org.springframework.security.authentication.BadCredentialsException",
                    "org.springframework.security.authentication.AccountStatusException",
                    "org.springframework.security.authentication.LockedException",
                    "org.springframework.security.authentication.DisabledException",
                    "org.springframework.security.authentication.AccountExpiredException",
                    "org.springframework.security.authentication.CredentialsExpiredException",
                    "org.springframework.security.authentication.InsufficientAuthenticationException",
                    "org.springframework.security.authentication.AuthenticationServiceException",
                    "org.springframework.security.authentication.ProviderNotFoundException",
                    "org.springframework.security.core.userdetails.UsernameNotFoundException",
                    "org.springframework.security.web.authentication.session.SessionAuthenticationException",
                    "org.springframework.security.oauth2.core.OAuth2AuthenticationException",
                    "org.springframework.security.oauth2.core.OAuth2Error",
                    // OAuth2 login and client (HttpSessionOAuth2AuthorizationRequestRepository,
                    // HttpSessionOAuth2AuthorizedClientRepository)
                    "org.springframework.security.oauth2.client.authentication.OAuth2AuthenticationToken",
                    "org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationRequest",
                    "org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationResponseType",
                    "org.springframework.security.oauth2.core.AuthorizationGrantType",
                    "org.springframework.security.oauth2.core.user.DefaultOAuth2User",
                    "org.springframework.security.oauth2.core.user.OAuth2UserAuthority",
                    "org.springframework.security.oauth2.core.oidc.user.DefaultOidcUser",
                    "org.springframework.security.oauth2.core.oidc.user.OidcUserAuthority",
                    "org.springframework.security.oauth2.core.oidc.OidcIdToken",
                    // Not java.net.URL, which the ID token's "iss" claim can be: a URL used as a map key resolves its
                    // host when
                    // read (ysoserial's URLDNS), so an OIDC application allows it itself (unisession.codec.allow).
                    "org.springframework.security.oauth2.core.oidc.OidcUserInfo",
                    "org.springframework.security.oauth2.core.AbstractOAuth2Token",
                    "org.springframework.security.oauth2.core.OAuth2AccessToken",
                    "org.springframework.security.oauth2.core.OAuth2AccessToken$TokenType",
                    "org.springframework.security.oauth2.core.OAuth2RefreshToken",
                    "org.springframework.security.oauth2.core.ClientAuthenticationMethod",
                    "org.springframework.security.oauth2.core.AuthenticationMethod",
                    "org.springframework.security.oauth2.client.OAuth2AuthorizedClient",
                    "org.springframework.security.oauth2.client.registration.ClientRegistration",
                    "org.springframework.security.oauth2.client.registration.ClientRegistration$ProviderDetails",
                    "org.springframework.security.oauth2.client.registration.ClientRegistration$ProviderDetails"
                            + "$UserInfoEndpoint",
                    "org.springframework.security.oauth2.client.registration.ClientRegistration$ClientSettings"));

    /**
     * Spring MVC 7: SessionFlashMapManager's flash maps (redirect attributes), SessionLocaleResolver's locale and
     * time zone, and the session mutex of HttpSessionMutexListener. {@code @SessionAttributes} stores the
     * application's own model objects, which are allowed as its classes.
     */
    public static final FrameworkProfile SPRING_MVC = new FrameworkProfile(
            "spring-mvc",
            "org.springframework.web.servlet.FlashMap",
            Set.of(
                    "org.springframework.web.servlet.FlashMap",
                    "org.springframework.util.LinkedMultiValueMap",
                    "org.springframework.util.MultiValueMapAdapter",
                    "org.springframework.web.util.HttpSessionMutexListener$Mutex",
                    "sun.util.calendar.ZoneInfo"));

    /** The profiles unisession ships. */
    public static final List<FrameworkProfile> BUILT_IN = List.of(SPRING_SECURITY, SPRING_MVC);

    public FrameworkProfile {
        for (String c : classes) {
            if (GadgetDenyList.denies(c)) {
                throw new IllegalArgumentException("Codec profile '" + name + "' names " + c
                        + ", a known deserialization gadget class that cannot be allowed");
            }
        }
        classes = Set.copyOf(classes);
    }

    /**
     * The profiles a setting selects: {@code auto} (the built-in and shipped profiles whose marker class the
     * loader finds), {@code none}, or a list of names (each must exist; {@code auto} may be part of it).
     *
     * @throws IllegalArgumentException naming {@code unisession.codec.profiles} for an unknown name
     */
    public static List<FrameworkProfile> select(List<String> setting, ClassLoader loader) {
        Map<String, FrameworkProfile> known = new LinkedHashMap<>();
        for (FrameworkProfile p : BUILT_IN) known.put(p.name(), p);
        for (FrameworkProfile p : shipped(loader)) known.putIfAbsent(p.name(), p);
        Set<FrameworkProfile> out = new LinkedHashSet<>();
        for (String raw : setting) {
            String name = raw.toLowerCase(Locale.ROOT);
            if (name.equals("none")) continue;
            if (name.equals("auto")) {
                for (FrameworkProfile p : known.values()) if (p.presentIn(loader)) out.add(p);
                continue;
            }
            FrameworkProfile p = known.get(name);
            if (p == null) {
                throw new IllegalArgumentException("Invalid value for "
                        + AttributeCodec.setting(AttributeCodec.PROFILES_SETTING) + ": unknown profile '" + raw
                        + "' (known: auto, none, " + String.join(", ", known.keySet()) + ")");
            }
            out.add(p);
        }
        return List.copyOf(out);
    }

    /** Whether the framework's marker class can be loaded (without initializing it). */
    public boolean presentIn(ClassLoader loader) {
        try {
            Class.forName(detect, false, loader);
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** The profiles in {@value #RESOURCE} resources the loader sees. */
    static List<FrameworkProfile> shipped(ClassLoader loader) {
        if (loader == null) return List.of();
        List<FrameworkProfile> out = new ArrayList<>();
        try {
            for (URL url : Collections.list(loader.getResources(RESOURCE))) {
                Properties p = new Properties();
                try (InputStream in = url.openStream()) {
                    p.load(in);
                }
                String name = p.getProperty("name", "").trim();
                String detect = p.getProperty("detect", "").trim();
                if (name.isEmpty() || detect.isEmpty()) {
                    throw new IllegalArgumentException(url + ": a codec profile needs 'name' and 'detect'");
                }
                Set<String> classes = new LinkedHashSet<>();
                for (String c : p.getProperty("classes", "").split("[,;\\s]+")) if (!c.isEmpty()) classes.add(c);
                out.add(new FrameworkProfile(name.toLowerCase(Locale.ROOT), detect, classes));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + RESOURCE, e);
        }
        return out;
    }

    @Override
    public String toString() {
        return name + " (" + classes.size() + " classes)";
    }
}
