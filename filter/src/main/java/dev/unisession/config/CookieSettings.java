package dev.unisession.config;

import java.util.Locale;

/**
 * The session cookie: {@code unisession.cookie.*}.
 *
 * @param name     the name as configured, possibly with {@link #APPLICATION_PLACEHOLDER} (see {@link #nameFor})
 * @param secure   when the cookie carries {@code Secure} (see {@link #alwaysSecure()} for what {@code auto} may imply)
 * @param sameSite its SameSite attribute
 * @param domain   its Domain attribute, or null for a host-only cookie
 * @param path     its Path, or null for the context path
 */
public record CookieSettings(String name, Secure secure, SameSite sameSite, String domain, String path) {

    /** In {@code cookie.name}: the application id, for a cookie name per context. */
    public static final String APPLICATION_PLACEHOLDER = "{application}";

    /** The cookie's SameSite attribute. */
    public enum SameSite {
        STRICT("Strict"),
        LAX("Lax"),
        NONE("None");
        private final String attribute;

        SameSite(String attribute) {
            this.attribute = attribute;
        }

        public String attribute() {
            return attribute;
        }
    }

    /**
     * When the session cookies carry {@code Secure}: {@code auto} when the request is secure as the container sees it
     * ({@code request.isSecure()}, which a TLS-terminating proxy's headers can set through Tomcat's RemoteIpValve or
     * Jetty's ForwardedRequestCustomizer), as the containers' own session cookies do; {@code true} always;
     * {@code false} never.
     */
    public enum Secure {
        AUTO,
        TRUE,
        FALSE
    }

    static CookieSettings from(RawSettings in) {
        String name = in.get(ConfigKey.COOKIE_NAME);
        String sample = name.replace(APPLICATION_PLACEHOLDER, "x");
        if (sample.isEmpty()
                || !sample.chars().allMatch(c -> c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0)) {
            throw in.invalid(
                    ConfigKey.COOKIE_NAME,
                    "a cookie name (RFC 6265 token characters; " + APPLICATION_PLACEHOLDER
                            + " stands for the application id)");
        }
        String path = in.optional(ConfigKey.COOKIE_PATH);
        if (path != null && !path.startsWith("/")) throw in.invalid(ConfigKey.COOKIE_PATH, "a path starting with '/'");
        CookieSettings c = new CookieSettings(
                name,
                in.oneOf(ConfigKey.COOKIE_SECURE, Secure.class),
                in.oneOf(ConfigKey.COOKIE_SAME_SITE, SameSite.class),
                in.optional(ConfigKey.COOKIE_DOMAIN),
                path);
        if (c.sameSite == SameSite.NONE && c.secure == Secure.FALSE) {
            throw new IllegalArgumentException(ConfigKey.COOKIE_SAME_SITE.key() + "=None requires "
                    + ConfigKey.COOKIE_SECURE.key() + "=true or auto (browsers drop SameSite=None cookies without "
                    + "Secure)");
        }
        if (c.nameDemandsSecure() && c.secure == Secure.FALSE) {
            throw new IllegalArgumentException(ConfigKey.COOKIE_NAME.key() + "=" + name + " requires "
                    + ConfigKey.COOKIE_SECURE.key() + "=true or auto (browsers drop __Host- and __Secure- cookies "
                    + "without Secure)");
        }
        return c;
    }

    /**
     * The cookie's name for an application: {@code name} with {@link #APPLICATION_PLACEHOLDER} replaced, e.g.
     * {@code USESSION-{application}} with {@code cookie.path=/}: a {@code __Host-} cookie per application on a host
     * that runs several.
     */
    public String nameFor(String application) {
        return name.contains(APPLICATION_PLACEHOLDER) ? name.replace(APPLICATION_PLACEHOLDER, application) : name;
    }

    /**
     * Whether the cookies are Secure on every request: {@code cookie.secure=true}, or {@code auto} with a setting
     * browsers accept only on a Secure cookie ({@code SameSite=None}, a name with the {@code __Host-} or
     * {@code __Secure-} prefix).
     */
    public boolean alwaysSecure() {
        return secure == Secure.TRUE || (secure == Secure.AUTO && (sameSite == SameSite.NONE || nameDemandsSecure()));
    }

    private boolean nameDemandsSecure() {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.startsWith("__host-") || lower.startsWith("__secure-");
    }
}
