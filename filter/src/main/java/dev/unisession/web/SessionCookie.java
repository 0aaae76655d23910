package dev.unisession.web;

import dev.unisession.config.ConfigKey;
import dev.unisession.config.CookieSettings;
import dev.unisession.config.UnisessionConfig;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads and writes the session cookie and its version hint: HttpOnly, SameSite, path = context path, and
 * {@code Secure} as {@code unisession.cookie.secure} says — by default when the request is secure, as the containers'
 * own session cookies are.
 *
 * <p>A Secure cookie for the whole host without Domain is named with the {@code __Host-} prefix (browsers then refuse
 * it from subdomains and insecure origins); a cookie that is not Secure cannot carry it. So the name can depend on the
 * request: both names are read, the prefixed one first, and a client that holds its session under the plain name
 * when the request is secure gets it under the prefixed name, the plain one cleared (a site that moves from HTTP to
 * HTTPS keeps its sessions, and the browser keeps one cookie).
 */
final class SessionCookie {

    private static final System.Logger LOG = System.getLogger(SessionCookie.class.getName());
    private static final String HOST_PREFIX = "__Host-";
    private static final String VERSION_SUFFIX = "_V";

    /** One of our cookies as the client sent it. */
    record Sent(String name, String value) {}

    private final CookieSettings.Secure setting;
    private final boolean alwaysSecure;
    /** The name of a cookie that is not Secure: the configured one. */
    private final String plainName;
    /** The name of a Secure cookie: {@code __Host-} + the configured one when the prefix's conditions hold. */
    private final String secureName;

    private final String sameSite;
    private final String domain;
    private final String path;
    private final String contextPath;
    /**
     * With {@code auto}: whether the application's own session-config marks session cookies Secure
     * ({@code <cookie-config><secure>true}), as the container then does for its own; read on first use, null before.
     */
    private volatile Boolean applicationSecure;

    private final AtomicBoolean warned = new AtomicBoolean();
    private final AtomicBoolean informed = new AtomicBoolean();

    SessionCookie(UnisessionConfig config, String contextPath) {
        this.setting = config.cookie().secure();
        this.alwaysSecure = config.cookie().alwaysSecure();
        this.contextPath = contextPath == null ? "" : contextPath;
        this.domain = config.cookie().domain();
        this.path = config.cookie().path() != null
                ? config.cookie().path()
                : this.contextPath.isEmpty() ? "/" : contextPath;
        this.plainName = config.cookieNameFor(this.contextPath);
        boolean hostOnly = domain == null && path.equals("/") && setting != CookieSettings.Secure.FALSE;
        this.secureName = hostOnly && !plainName.startsWith("__") ? HOST_PREFIX + plainName : plainName;
        this.sameSite = config.cookie().sameSite().attribute();
    }

    /**
     * Whether this request's cookies carry {@code Secure}. Logs once per context when the answer will cost the client
     * its session (Secure over plain HTTP) or when a plain-HTTP request looks like one that arrived over HTTPS.
     */
    boolean secure(HttpServletRequest request) {
        if (request.isSecure()) return setting != CookieSettings.Secure.FALSE;
        if (alwaysSecure || (setting == CookieSettings.Secure.AUTO && applicationSecure(request))) {
            if (!warned.get() && warned.compareAndSet(false, true)) warnSecureOverHttp(request);
            return true;
        }
        if (setting == CookieSettings.Secure.AUTO && !informed.get()) {
            boolean proxied = "https".equalsIgnoreCase(forwardedProto(request));
            if ((proxied || !isLoopback(request.getRemoteAddr())) && informed.compareAndSet(false, true)) {
                informNotSecure(request, proxied);
            }
        }
        return false;
    }

    private boolean applicationSecure(HttpServletRequest request) {
        Boolean known = applicationSecure;
        if (known == null) {
            boolean secure;
            try {
                jakarta.servlet.ServletContext ctx = request.getServletContext();
                jakarta.servlet.SessionCookieConfig scc = ctx == null ? null : ctx.getSessionCookieConfig();
                secure = scc != null && scc.isSecure();
            } catch (RuntimeException e) { // a container that will not tell
                secure = false;
            }
            if (secure) {
                LOG.log(
                        System.Logger.Level.INFO,
                        "Context ''{0}'': the application''s session-config marks session "
                                + "cookies Secure, so with {1}=auto unisession''s are Secure on every request too, as the "
                                + "container''s own would be.",
                        contextPath,
                        ConfigKey.COOKIE_SECURE.key());
            }
            known = secure;
            applicationSecure = known;
        }
        return known;
    }

    /** The session cookie's name for a request whose cookies are (or are not) Secure. */
    String name(boolean secure) {
        return secure ? secureName : plainName;
    }

    /** Every value the client sent under our cookie's names, the prefixed name's first, each in order. */
    List<Sent> values(HttpServletRequest request) {
        List<Sent> out = new ArrayList<>(1);
        Cookie[] cookies = request.getCookies();
        if (cookies == null) return out;
        collect(cookies, secureName, out);
        // A sibling subdomain, or a page over plain HTTP, can set ("toss") a cookie under the plain name, never under
        // the __Host- one: beside a __Host- value, plain-named ones are not taken.
        if (out.isEmpty() && !secureName.equals(plainName)) collect(cookies, plainName, out);
        return out;
    }

    private static void collect(Cookie[] cookies, String name, List<Sent> out) {
        for (Cookie c : cookies) {
            if (name.equals(c.getName())
                    && c.getValue() != null
                    && !c.getValue().isEmpty()) {
                out.add(new Sent(name, c.getValue()));
            }
        }
    }

    /**
     * Whether the client holds its session under {@code sentName} but this request would write it under the
     * {@code __Host-} name: then the cookie is issued again (never the other way round: a secure cookie is not
     * replaced by one that is not).
     */
    boolean renames(HttpServletRequest request, String sentName) {
        return sentName != null && !sentName.equals(secureName) && secure(request);
    }

    /** Sets the cookie carrying the token, and clears the plain-named one the client holds when this one is Secure. */
    void issue(HttpServletRequest request, HttpServletResponse response, String token) {
        boolean secure = secure(request);
        response.addHeader("Set-Cookie", header(name(secure), token, false, secure));
        if (secure && !secureName.equals(plainName)) {
            if (carries(request, plainName)) {
                response.addHeader("Set-Cookie", header(plainName, "", true, true));
            }
            if (carries(request, plainName + VERSION_SUFFIX)) {
                response.addHeader("Set-Cookie", header(plainName + VERSION_SUFFIX, "", true, true));
            }
        }
    }

    /**
     * The version hint the client sent for this session: the session's version as of the client's last write,
     * so any node can tell that its cached copy is older. Not a secret and not trusted beyond that: a wrong value
     * only costs a reload. 0 when absent or for another session. The hint names its session by {@code tag}, a keyed
     * hash of the id (see {@code FilterRuntime.hintTag}): it used to carry the id's first characters, which an
     * {@code encrypted} token otherwise hides.
     */
    long version(HttpServletRequest request, String tag) {
        Cookie[] cookies = request.getCookies();
        if (cookies == null) return 0;
        String prefix = tag + ".";
        long found = version(cookies, secureName + VERSION_SUFFIX, prefix);
        return found > 0 || secureName.equals(plainName) ? found : version(cookies, plainName + VERSION_SUFFIX, prefix);
    }

    private static long version(Cookie[] cookies, String name, String prefix) {
        for (Cookie c : cookies) {
            if (name.equals(c.getName()) && c.getValue() != null && c.getValue().startsWith(prefix)) {
                try {
                    return Math.max(0, Long.parseLong(c.getValue().substring(prefix.length())));
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 0;
    }

    /** Sets the version hint cookie, named and Secure as the session cookie is for this request. */
    void issueVersion(HttpServletRequest request, HttpServletResponse response, String tag, long version) {
        boolean secure = secure(request);
        response.addHeader("Set-Cookie", header(name(secure) + VERSION_SUFFIX, tag + "." + version, false, secure));
    }

    /** Removes the session cookie: under this request's name and under each of our names the client sent. */
    void clear(HttpServletRequest request, HttpServletResponse response) {
        boolean secure = secure(request);
        String current = name(secure);
        response.addHeader("Set-Cookie", header(current, "", true, secure));
        String other = current.equals(secureName) ? plainName : secureName;
        if (!other.equals(current) && carries(request, other)) {
            response.addHeader("Set-Cookie", header(other, "", true, secure || other.equals(secureName)));
        }
    }

    private static boolean carries(HttpServletRequest request, String name) {
        Cookie[] cookies = request.getCookies();
        if (cookies == null) return false;
        for (Cookie c : cookies) {
            if (name.equals(c.getName())) return true;
        }
        return false;
    }

    private String header(String cookieName, String value, boolean expire, boolean secure) {
        StringBuilder sb = new StringBuilder(64 + value.length());
        sb.append(cookieName).append('=').append(value).append("; Path=").append(path);
        if (domain != null) sb.append("; Domain=").append(domain);
        if (expire) sb.append("; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
        sb.append("; HttpOnly");
        if (secure) sb.append("; Secure");
        sb.append("; SameSite=").append(sameSite);
        return sb.toString();
    }

    private void warnSecureOverHttp(HttpServletRequest request) {
        String key = ConfigKey.COOKIE_SECURE.key();
        String why = setting == CookieSettings.Secure.TRUE
                ? key + "=true"
                : !alwaysSecure
                        ? key + "=auto with the application's session-config marking session cookies Secure"
                        : key + "=auto with " + ConfigKey.COOKIE_SAME_SITE.key() + "=" + sameSite + " / "
                                + ConfigKey.COOKIE_NAME.key() + "=" + plainName + " (both need Secure)";
        LOG.log(
                System.Logger.Level.WARNING,
                "Context ''{0}'': {1}, but a request for {2} is not secure (plain HTTP "
                        + "as the container sees it): the session cookie is sent with Secure anyway, and browsers do "
                        + "not store a Secure cookie set over plain HTTP (except from localhost), so each such "
                        + "request starts a new, empty session and logins do not stick. Serve the site over HTTPS, "
                        + "let the container see the HTTPS of a TLS-terminating proxy (Tomcat: RemoteIpValve; Jetty: "
                        + "ForwardedRequestCustomizer), or set {3}=auto. Logged once per context.",
                contextPath,
                why,
                origin(request),
                key);
    }

    private void informNotSecure(HttpServletRequest request, boolean proxied) {
        String key = ConfigKey.COOKIE_SECURE.key();
        String proxy = !proxied
                ? ""
                : " The request says it was forwarded from HTTPS (X-Forwarded-Proto or Forwarded), but the container "
                        + "did not apply that: a proxy in front terminates TLS and the container does not trust its headers.";
        LOG.log(
                System.Logger.Level.INFO,
                "Context ''{0}'': a request from {1} for {2} is not secure, so the session "
                        + "cookie is sent without Secure ({3}=auto, as the container''s own session cookie).{4} To "
                        + "mark it Secure always, set {3}=true. Behind a TLS-terminating proxy, let the container see "
                        + "HTTPS instead: Tomcat: <Valve className=\"org.apache.catalina.valves.RemoteIpValve\" "
                        + "protocolHeader=\"X-Forwarded-Proto\"/> (internalProxies matching the proxy); Jetty: the "
                        + "http-forwarded module (ForwardedRequestCustomizer). Logged once per context.",
                contextPath,
                request.getRemoteAddr(),
                origin(request),
                key,
                proxy);
    }

    /** The request's scheme, host and port: where it was sent, without path or query. */
    private static String origin(HttpServletRequest request) {
        return request.getScheme() + "://" + request.getServerName() + ":" + request.getServerPort();
    }

    /** {@code https} (or whatever else) from X-Forwarded-Proto or the Forwarded header's proto, or null. */
    static String forwardedProto(HttpServletRequest request) {
        String xfp = request.getHeader("X-Forwarded-Proto");
        if (xfp != null && !xfp.isBlank()) return xfp.split(",")[0].trim();
        String forwarded = request.getHeader("Forwarded");
        if (forwarded == null) return null;
        for (String part : forwarded.split("[;,]")) {
            String p = part.trim();
            if (p.toLowerCase(Locale.ROOT).startsWith("proto="))
                return p.substring(6).replace("\"", "").trim();
        }
        return null;
    }

    /** Whether an address literal is a loopback address (no name lookup). */
    static boolean isLoopback(String address) {
        if (address == null) return true;
        String a =
                address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1) : address;
        a = a.toLowerCase(Locale.ROOT);
        if (a.startsWith("::ffff:")) a = a.substring(7);
        return a.startsWith("127.") || a.equals("::1") || a.equals("0:0:0:0:0:0:0:1");
    }
}
