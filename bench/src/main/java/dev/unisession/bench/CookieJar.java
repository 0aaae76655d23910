package dev.unisession.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The load client's cookie handling: a Cookie header's values, set or removed, and what a session token says. */
final class CookieJar {
    private static final Pattern SID = Pattern.compile("\"sid\"\\s*:\\s*\"([^\"]+)\"");

    private CookieJar() {}

    /** The number after the last dot of a version hint ({@code <id prefix>.<version>}), -1 when there is none. */
    static long version(String hint) {
        if (hint == null) return -1;
        try {
            return Long.parseLong(hint.substring(hint.lastIndexOf('.') + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The value of one cookie in a Cookie header, or null. */
    static String cookieValue(String cookieHeader, String name) {
        for (String pair : cookieHeader.split("; ")) {
            if (pair.startsWith(name + "=")) return pair.substring(name.length() + 1);
        }
        return null;
    }

    /** The Cookie header with one cookie set to a value (added if new), or removed (value null). */
    static String setCookie(String cookieHeader, String name, String value) {
        List<String> out = new ArrayList<>();
        boolean found = false;
        for (String pair : cookieHeader.split("; ")) {
            if (pair.isEmpty()) continue;
            if (pair.startsWith(name + "=")) {
                found = true;
                if (value != null) out.add(name + "=" + value);
            } else {
                out.add(pair);
            }
        }
        if (!found && value != null) out.add(name + "=" + value);
        return String.join("; ", out);
    }

    /** The {@code sid} claim of a signed token; the whole value when it cannot be read (e.g. an encrypted token). */
    static String sidOf(String token) {
        String[] parts = token.split("\\.");
        if (parts.length == 3) {
            try {
                String json = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
                Matcher m = SID.matcher(json);
                if (m.find()) return m.group(1);
            } catch (IllegalArgumentException e) {
                // not base64url: fall through
            }
        }
        return token;
    }
}
