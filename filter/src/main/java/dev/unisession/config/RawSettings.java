package dev.unisession.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The settings as given: each key's text (a default where no source set one) and where it came from, read into
 * typed values. A value that does not parse is an {@link IllegalArgumentException} naming the key, its source and
 * what was expected; a secret value is never quoted.
 */
final class RawSettings {
    private final Map<ConfigKey, String> raw;
    private final Map<ConfigKey, String> origin;

    RawSettings(Map<ConfigKey, String> raw, Map<ConfigKey, String> origin) {
        this.raw = Map.copyOf(raw);
        this.origin = Map.copyOf(origin);
    }

    /** The text given for a key (or its default), null when it has none. */
    String get(ConfigKey key) {
        return raw.get(key);
    }

    boolean has(ConfigKey key) {
        return raw.containsKey(key);
    }

    /** Where a key's value came from: the source's description, "default", or "unset". */
    String origin(ConfigKey key) {
        return Objects.requireNonNullElse(origin.get(key), "unset");
    }

    IllegalArgumentException invalid(ConfigKey key, String expected) {
        return new IllegalArgumentException("Invalid value for " + key.key() + " (from " + origin.get(key)
                + "): expected " + expected + ", got '" + (key.secret() ? "****" : raw.get(key)) + "'");
    }

    /** The value, or null when it is unset or empty. */
    String optional(ConfigKey key) {
        String v = raw.get(key);
        return v == null || v.isEmpty() ? null : v;
    }

    /** The value in lower case (the key has a default). */
    String lower(ConfigKey key) {
        return raw.get(key).toLowerCase(Locale.ROOT);
    }

    boolean bool(ConfigKey key) {
        String v = lower(key);
        if (v.equals("true")) return true;
        if (v.equals("false")) return false;
        throw invalid(key, "true or false");
    }

    int integer(ConfigKey key, int min, int max) {
        try {
            int v = Integer.parseInt(raw.get(key));
            if (v < min || v > max) throw invalid(key, "a whole number from " + min + " to " + max);
            return v;
        } catch (NumberFormatException e) {
            throw invalid(key, "a whole number from " + min + " to " + max);
        }
    }

    /** One of the enum's constants, named in any case, with {@code -} for {@code _}. */
    <E extends Enum<E>> E oneOf(ConfigKey key, Class<E> type) {
        String v = raw.get(key);
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(v.replace('-', '_'))) return e;
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) names.add(e.name().toLowerCase(Locale.ROOT));
        throw invalid(key, "one of " + names);
    }

    /** Names separated by commas, semicolons or spaces. */
    List<String> list(ConfigKey key) {
        List<String> out = new ArrayList<>();
        for (String part : raw.get(key).split("[,;\\s]+")) {
            if (!part.isEmpty()) out.add(part);
        }
        return List.copyOf(out);
    }

    double fraction(ConfigKey key, double max) {
        try {
            double v = Double.parseDouble(raw.get(key));
            if (v >= 0 && v <= max) return v;
        } catch (NumberFormatException e) {
            // fall through
        }
        throw invalid(key, "a number from 0 to " + max);
    }

    /**
     * Durations: {@code 90} (seconds), {@code 500ms}, {@code 30s}, {@code 15m}, {@code 2h}, {@code 7d}, or ISO-8601
     * ({@code PT30M}).
     */
    Duration duration(ConfigKey key, boolean zeroAllowed) {
        Duration d = parseDuration(raw.get(key));
        if (d == null || d.isNegative() || (!zeroAllowed && d.isZero())) {
            throw invalid(
                    key,
                    (zeroAllowed ? "a duration >= 0" : "a duration > 0")
                            + " such as 90, 500ms, 30s, 15m, 2h, 7d or PT30M");
        }
        return d;
    }

    /** As {@link #duration}, or null when the key is unset. */
    Duration optionalDuration(ConfigKey key, boolean zeroAllowed) {
        return raw.get(key) == null ? null : duration(key, zeroAllowed);
    }

    /** A duration's text read, or null when it is none (see {@link #duration}). */
    static Duration parseDuration(String text) {
        String v = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (v.startsWith("p") || v.startsWith("-p")) return Duration.parse(text.trim());
            if (v.endsWith("ms")) return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            char unit = v.isEmpty() ? ' ' : v.charAt(v.length() - 1);
            String num = Character.isDigit(unit) ? v : v.substring(0, v.length() - 1);
            long n = Long.parseLong(num);
            switch (unit) {
                case 's':
                    return Duration.ofSeconds(n);
                case 'm':
                    return Duration.ofMinutes(n);
                case 'h':
                    return Duration.ofHours(n);
                case 'd':
                    return Duration.ofDays(n);
                default:
                    return Character.isDigit(unit) ? Duration.ofSeconds(n) : null;
            }
        } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
            return null;
        }
    }
}
