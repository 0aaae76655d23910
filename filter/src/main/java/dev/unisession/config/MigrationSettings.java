package dev.unisession.config;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;

/**
 * Sessions of before unisession taken over without a logout: the container's own ({@code unisession.adopt-native})
 * and those imported from another library ({@code unisession.migrate.*}).
 *
 * @param adoptNative whether a request with the container's own session cookie and no unified cookie takes over that
 *                    container session (zero-logout rollout)
 * @param from        the library sessions were imported from ({@code unisession-admin migrate}), or null
 * @param cookie      that library's session cookie, whose holders get their imported session, or null
 * @param until       when the takeover of imported sessions through that cookie ends, or null: for as long as it is
 *                    configured
 */
public record MigrationSettings(boolean adoptNative, String from, String cookie, Instant until) {

    /** The sources of existing sessions the importer reads ({@code migrate.from}), as the CLI names them too. */
    public static final List<String> SOURCES =
            List.of("tomcat-jdbc", "tomcat-file", "jetty-jdbc", "spring-session-jdbc");

    /** Whether a client's cookie of the library sessions were imported from is taken over at {@code nowMillis}. */
    public boolean takesOverImported(long nowMillis) {
        return cookie != null && (until == null || nowMillis < until.toEpochMilli());
    }

    static MigrationSettings from(RawSettings in) {
        String from = in.optional(ConfigKey.MIGRATE_FROM);
        if (from != null && !SOURCES.contains(from.toLowerCase(Locale.ROOT))) {
            throw in.invalid(ConfigKey.MIGRATE_FROM, "one of " + SOURCES);
        }
        String cookie = in.optional(ConfigKey.MIGRATE_COOKIE);
        if (cookie != null && !cookie.matches("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+")) {
            throw in.invalid(ConfigKey.MIGRATE_COOKIE, "a cookie name such as JSESSIONID or SESSION");
        }
        String until = in.optional(ConfigKey.MIGRATE_UNTIL);
        Instant end;
        try {
            end = until == null
                    ? null
                    : until.contains("T")
                            ? Instant.parse(until)
                            : LocalDate.parse(until)
                                    .atStartOfDay(ZoneOffset.UTC)
                                    .toInstant();
        } catch (DateTimeParseException e) {
            throw in.invalid(
                    ConfigKey.MIGRATE_UNTIL,
                    "a date (2027-01-31, from its start in UTC) or an instant (2027-01-31T00:00:00Z)");
        }
        if ((from == null) != (cookie == null)) {
            throw new IllegalArgumentException("Set both " + ConfigKey.MIGRATE_FROM.key() + " and "
                    + ConfigKey.MIGRATE_COOKIE.key() + " (the source the sessions were imported from and its cookie), "
                    + "or neither");
        }
        return new MigrationSettings(
                in.bool(ConfigKey.ADOPT_NATIVE), from == null ? null : from.toLowerCase(Locale.ROOT), cookie, end);
    }
}
