package dev.unisession.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;

/**
 * Ids of sessions imported from another session library ({@code unisession-admin migrate}): the unified id is
 * derived from the source and the session's id there, so the importer recognises what it already imported and
 * the filter finds the session from the old library's cookie ({@code unisession.migrate.cookie}).
 */
public final class LegacyIds {

    private LegacyIds() {}

    /** The unified id (22 base64url characters, like every other id) of a session imported from {@code source}. */
    public static String unifiedId(String source, String legacyId) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256")
                    .digest(("imported:" + family(source) + ":" + legacyId).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(h).substring(0, 22);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Tomcat's stores share ids (a session moved from the file to the table keeps its id). */
    private static String family(String source) {
        String s = source.toLowerCase(Locale.ROOT);
        return s.startsWith("tomcat-") ? "tomcat" : s;
    }

    /**
     * The session id a cookie of the old library names, or null: Jetty appends {@code .nodeN} to the cookie,
     * Spring Session base64-encodes it, Tomcat sends it as stored (jvmRoute included).
     */
    public static String fromCookie(String source, String cookieValue) {
        if (cookieValue == null || cookieValue.isEmpty() || cookieValue.length() > 256) return null;
        switch (family(source)) {
            case "jetty-jdbc": {
                int dot = cookieValue.indexOf('.');
                return dot < 0 ? cookieValue : cookieValue.substring(0, dot);
            }
            case "spring-session-jdbc":
                try {
                    return new String(Base64.getDecoder().decode(cookieValue), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    return null;
                }
            default:
                return cookieValue;
        }
    }
}
