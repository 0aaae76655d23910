package dev.unisession.testing;

import dev.unisession.config.ConfigSource;
import dev.unisession.config.UnisessionConfig;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Settings of stores for tests, each under a key prefix of its own (the stores themselves: TestRedisStores of
 * unisession-redis, TestJpaStores of unisession-jpa).
 */
public final class TestStores {

    private TestStores() {}

    public static String uniquePrefix() {
        return "ut" + UUID.randomUUID().toString().substring(0, 8) + ":";
    }

    /** A configuration of these settings alone (source "test"). */
    public static UnisessionConfig config(Map<String, String> settings) {
        return UnisessionConfig.from(List.of(ConfigSource.of("test", settings)));
    }

    public static UnisessionConfig redisConfig(String url, String prefix) {
        return UnisessionConfig.from(List.of(ConfigSource.of(
                "test",
                Map.of("unisession.store", "redis", "unisession.redis.url", url, "unisession.redis.prefix", prefix))));
    }

    /** A JPA store's settings for a JDBC URL: user postgres for PostgreSQL, root for MariaDB, sa for H2. */
    public static UnisessionConfig jpaConfig(String jdbcUrl, Map<String, String> extra) {
        Map<String, String> m = new java.util.HashMap<>(extra);
        m.putIfAbsent("unisession.store", "jpa");
        m.put("unisession.jpa.url", jdbcUrl);
        m.put(
                "unisession.jpa.user",
                jdbcUrl.startsWith("jdbc:postgresql")
                        ? "postgres"
                        : jdbcUrl.startsWith("jdbc:mariadb") ? "root" : "sa");
        return UnisessionConfig.from(List.of(ConfigSource.of("test", m)));
    }

    /** {@link #jpaConfig} as the database's settings. */
    public static dev.unisession.store.JpaSettings jpaSettings(String jdbcUrl, Map<String, String> extra) {
        return jpaConfig(jdbcUrl, extra).storage().jpa();
    }

    public static String h2Url() {
        return "jdbc:h2:mem:us" + UUID.randomUUID().toString().substring(0, 8) + ";DB_CLOSE_DELAY=-1";
    }
}
