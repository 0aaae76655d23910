package dev.unisession.web;

import dev.unisession.config.UnisessionConfig;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;

import java.util.ArrayList;
import java.util.List;

/** Reads and writes the session cookie: HttpOnly, Secure unless configured off, SameSite, path = context path. */
final class SessionCookie {

    private final String name;
    private final String versionName;
    private final boolean secure;
    private final String sameSite;
    private final String domain;
    private final String path;

    SessionCookie(UnisessionConfig config, String contextPath) {
        // A Secure cookie for the whole host without Domain gets the __Host- prefix: browsers then refuse it from
        // subdomains and insecure origins.
        boolean hostOnly = config.cookieSecure() && config.cookieDomain() == null
                && (config.cookiePath() != null ? config.cookiePath()
                        : (contextPath == null || contextPath.isEmpty() ? "/" : contextPath)).equals("/");
        this.name = hostOnly && !config.cookieName().startsWith("__") ? "__Host-" + config.cookieName()
                : config.cookieName();
        this.versionName = name + "_V";
        this.secure = config.cookieSecure();
        this.sameSite = config.cookieSameSite().attribute();
        this.domain = config.cookieDomain();
        this.path = config.cookiePath() != null ? config.cookiePath()
                : (contextPath == null || contextPath.isEmpty() ? "/" : contextPath);
    }

    String name() {
        return name;
    }

    /** Every value the client sent under our cookie name, in order. */
    List<String> values(HttpServletRequest request) {
        List<String> out = new ArrayList<>(1);
        Cookie[] cookies = request.getCookies();
        if (cookies == null) return out;
        for (Cookie c : cookies) {
            if (name.equals(c.getName()) && c.getValue() != null && !c.getValue().isEmpty()) out.add(c.getValue());
        }
        return out;
    }

    /** A Set-Cookie header value carrying the token. */
    String issue(String token) {
        return header(name, token, false);
    }

    /**
     * The version hint the client sent for this session: the session's version as of the client's last write,
     * so any node can tell that its cached copy is older. Not a secret and not trusted beyond that: a wrong value
     * only costs a reload. 0 when absent or for another session.
     */
    long version(HttpServletRequest request, String sessionId) {
        Cookie[] cookies = request.getCookies();
        if (cookies == null) return 0;
        String prefix = sessionId.substring(0, Math.min(6, sessionId.length())) + ".";
        for (Cookie c : cookies) {
            if (versionName.equals(c.getName()) && c.getValue() != null && c.getValue().startsWith(prefix)) {
                try {
                    return Math.max(0, Long.parseLong(c.getValue().substring(prefix.length())));
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 0;
    }

    /** A Set-Cookie header value carrying the version hint. */
    String issueVersion(String sessionId, long version) {
        return header(versionName, sessionId.substring(0, Math.min(6, sessionId.length())) + "." + version, false);
    }

    /** A Set-Cookie header value that removes the cookie. */
    String clear() {
        return header(name, "", true);
    }

    private String header(String cookieName, String value, boolean expire) {
        StringBuilder sb = new StringBuilder(64 + value.length());
        sb.append(cookieName).append('=').append(value).append("; Path=").append(path);
        if (domain != null) sb.append("; Domain=").append(domain);
        if (expire) sb.append("; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
        sb.append("; HttpOnly");
        if (secure) sb.append("; Secure");
        sb.append("; SameSite=").append(sameSite);
        return sb.toString();
    }
}
