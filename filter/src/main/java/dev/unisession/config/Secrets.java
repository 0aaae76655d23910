package dev.unisession.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The secrets a configuration holds (secret keys' values, the passwords in its URLs), masked wherever the library
 * prints: the configuration itself, start-up errors that quote a URL or a driver's message, a command's output.
 */
final class Secrets {
    /** {@code scheme://user:password@host}, also with an empty user: group 1 is the password. */
    private static final Pattern USERINFO = Pattern.compile("(?<=//)[^/@:?#;]*:([^/@?#]*)@");
    /** Oracle's {@code jdbc:oracle:thin:user/password@...}: group 1 is the password. */
    private static final Pattern ORACLE = Pattern.compile("(?i)(?<=jdbc:oracle:\\w{1,10}:)[^/@:]*/([^@]*)@");
    /** {@code password=...} or {@code pwd=...} parameters: group 1 is the password. */
    private static final Pattern PARAMETER = Pattern.compile("(?i)(?<=[?&;:])\\s*(?:password|pwd)\\s*=([^;&]*)");
    /** Secrets shorter than this are not searched for in messages (they would mask ordinary words). */
    private static final int SHORTEST_SCRUBBED = 4;

    private final List<String> secrets;

    Secrets(RawSettings in) {
        List<String> out = new ArrayList<>();
        for (ConfigKey key : ConfigKey.values()) {
            String v = in.get(key);
            if (v == null) continue;
            if (key.secret()) out.add(v);
            if (isUrl(key)) {
                for (Pattern p : List.of(USERINFO, ORACLE, PARAMETER)) {
                    Matcher m = p.matcher(v);
                    while (m.find()) out.add(m.group(1));
                }
            }
        }
        out.removeIf(x -> x.length() < SHORTEST_SCRUBBED);
        this.secrets = List.copyOf(out);
    }

    private static boolean isUrl(ConfigKey key) {
        return key == ConfigKey.REDIS_URL || key == ConfigKey.JPA_URL;
    }

    /** A key's value as the library prints it: a secret as {@code ****}, a URL with its password masked. */
    static String display(ConfigKey key, String value) {
        if (key.secret()) return "****";
        return isUrl(key) ? maskUrl(value) : value;
    }

    /**
     * A URL as the library prints it: the password of every form it may carry (userinfo, Oracle's
     * {@code user/password@}, {@code password=} and {@code pwd=} parameters) replaced by {@code ****}.
     */
    static String maskUrl(String url) {
        if (url == null) return null;
        String s = url;
        for (Pattern p : List.of(USERINFO, ORACLE, PARAMETER)) s = mask(p, s);
        return s;
    }

    private static String mask(Pattern p, String s) {
        Matcher m = p.matcher(s);
        StringBuilder out = new StringBuilder();
        int from = 0;
        while (m.find()) {
            out.append(s, from, m.start(1)).append("****");
            from = m.end(1);
        }
        return out.append(s, from, s.length()).toString();
    }

    /** Text (an error message) with every secret and every password in a URL masked. */
    String scrub(String text) {
        if (text == null) return null;
        String s = text;
        for (String secret : secrets) s = s.replace(secret, "****");
        return maskUrl(s);
    }

    /**
     * The exception itself when no message in its chain holds a secret; else one of the same kind (argument or
     * state) whose message is the chain's messages scrubbed, with the original's stack trace and no cause, so that
     * a log or a command's error output never shows a password (start-up errors of a store quote its URL).
     */
    RuntimeException scrubbed(RuntimeException e) {
        StringBuilder chain = new StringBuilder();
        boolean secret = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t == e ? String.valueOf(t.getMessage()) : t.toString();
            if (!m.equals(scrub(m))) secret = true;
            chain.append(t == e ? "" : "; caused by ").append(m);
            if (t.getCause() == t) break;
        }
        if (!secret) return e;
        String message = scrub(chain.toString());
        RuntimeException out = e instanceof IllegalArgumentException
                ? new IllegalArgumentException(message)
                : new IllegalStateException(message);
        out.setStackTrace(e.getStackTrace());
        return out;
    }
}
