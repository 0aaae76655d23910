package dev.unisession.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.config.ConfigSource;
import dev.unisession.config.UnisessionConfig;
import dev.unisession.store.RedisSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.redisson.config.BaseConfig;
import org.redisson.config.ClusterServersConfig;
import org.redisson.config.Config;
import org.redisson.config.ReadMode;

/** Redisson configuration: a cluster YAML is accepted; fail-fast timeouts and master reads are applied. */
class RedisConfigTest {

    private static RedisSettings cfg(Map<String, String> m) {
        return UnisessionConfig.from(List.of(ConfigSource.of("test", m)))
                .storage()
                .redis();
    }

    @Test
    void clusterYamlIsAcceptedWithFailFastDefaultsAndMasterReads(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("cluster.yaml");
        Files.writeString(
                yaml,
                String.join(
                        "\n",
                        "clusterServersConfig:",
                        "  nodeAddresses:",
                        "  - \"redis://127.0.0.1:7001\"",
                        "  - \"redis://127.0.0.1:7002\"",
                        "  - \"redis://127.0.0.1:7003\"",
                        "  scanInterval: 2000",
                        "  readMode: \"SLAVE\"",
                        ""));
        Config config = RedissonSetup.config(
                cfg(Map.of("unisession.store", "redis", "unisession.redis.config", yaml.toString())));
        assertTrue(config.isClusterConfig());
        BaseConfig<?> base = new RedissonSetup.ServerSettings(config).base();
        ClusterServersConfig cluster = (ClusterServersConfig) base;
        assertEquals(
                List.of("redis://127.0.0.1:7001", "redis://127.0.0.1:7002", "redis://127.0.0.1:7003"),
                cluster.getNodeAddresses());
        assertEquals(ReadMode.MASTER, cluster.getReadMode());
        assertEquals(1000, cluster.getTimeout());
        assertEquals(250, cluster.getConnectTimeout());
        assertEquals(0, cluster.getRetryAttempts(), "one layer of retries: ours, which resends only what is safe");
    }

    @Test
    void explicitTimeoutsInTheYamlAreKept(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("single.yaml");
        Files.writeString(yaml, "singleServerConfig:\n  address: \"redis://127.0.0.1:6390\"\n  timeout: 700\n");
        Config config = RedissonSetup.config(cfg(Map.of("unisession.redis.config", yaml.toString())));
        assertEquals(700, new RedissonSetup.ServerSettings(config).base().getTimeout());
    }

    @Test
    void badYamlFailsNamingTheKey(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("bad.yaml");
        Files.writeString(yaml, "clusterServersConfig: [unclosed\n");
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> RedissonSetup.config(cfg(Map.of("unisession.redis.config", yaml.toString()))));
        assertTrue(e.getMessage().contains("unisession.redis.config"), e.getMessage());
        IllegalArgumentException missing = assertThrows(
                IllegalArgumentException.class,
                () -> RedissonSetup.config(
                        cfg(Map.of("unisession.redis.config", dir.resolve("no").toString()))));
        assertTrue(missing.getMessage().contains("unisession.redis.config"));
    }

    @Test
    void singleServerUrlGetsShortTimeouts() {
        Config config = RedissonSetup.config(cfg(Map.of("unisession.redis.url", "redis://127.0.0.1:6399")));
        BaseConfig<?> base = new RedissonSetup.ServerSettings(config).base();
        assertEquals(1000, base.getTimeout());
        assertEquals(0, base.getRetryAttempts(), "one layer of retries: ours, which resends only what is safe");
    }
}
