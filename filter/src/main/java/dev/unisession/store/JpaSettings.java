package dev.unisession.store;

import java.util.function.UnaryOperator;

/**
 * How to reach the session database ({@code unisession.jpa.*}), typed and validated by the configuration.
 *
 * @param url          the JDBC URL, when {@code dataSource} is null (also names the database's platform)
 * @param dataSource   a JNDI name of the application's DataSource, or null
 * @param user         the JDBC user, or null
 * @param password     the JDBC password, or null
 * @param poolSize     connections kept open (JDBC URL only)
 * @param createSchema whether missing tables and indexes are created at start-up
 * @param scrub        removes secrets (the password, credentials in URLs) from a text before it is shown
 */
public record JpaSettings(
        String url,
        String dataSource,
        String user,
        String password,
        int poolSize,
        boolean createSchema,
        UnaryOperator<String> scrub) {

    /** The settings (after {@code unisession.}) that messages name. */
    public static final String URL_SETTING = "jpa.url";

    public static final String DATASOURCE_SETTING = "jpa.datasource";
    public static final String SCHEMA_SETTING = "jpa.schema";

    @Override
    public String toString() {
        return "JpaSettings["
                + (dataSource != null
                        ? "unisession." + DATASOURCE_SETTING + "=" + dataSource
                        : "unisession." + URL_SETTING + "=" + scrub.apply(url))
                + "]";
    }
}
