package dev.unisession.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.unisession.config.ConfigSource;
import dev.unisession.config.UnisessionConfig;
import dev.unisession.store.redis.RedisStore;
import dev.unisession.testing.Deltas;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Listing the sessions of a Redis Cluster (what {@code admin list} and the session manager's {@code list} page
 * through): every master's. A keyless SCAN goes to one master, so before the listing visited each master in turn it
 * showed about a third of the sessions of a three-master cluster.
 */
class RedisClusterListingTest {

    @Test
    void aListingOfAThreeMasterClusterHoldsEverySessionOnce() throws Exception {
        try (RedisTopology cluster = RedisTopology.cluster(3);
                RedisStore store = RedisStore.connect(
                        UnisessionConfig.from(List.of(ConfigSource.of(
                                        "test",
                                        Map.of(
                                                "unisession.store",
                                                "redis",
                                                "unisession.redis.config",
                                                cluster.redissonYaml(),
                                                "unisession.redis.prefix",
                                                "cl:"))))
                                .storage()
                                .redis(),
                        Clock.systemUTC())) {
            Set<String> made = new HashSet<>();
            long now = System.currentTimeMillis();
            for (int i = 0; i < 300; i++) {
                String id = UUID.randomUUID().toString();
                store.save(Deltas.create(id)
                        .at(now)
                        .maxInactive(600)
                        .set("a", ("v" + i).getBytes(StandardCharsets.UTF_8))
                        .build());
                made.add(id);
            }
            List<String> listed = new java.util.ArrayList<>();
            String cursor = null;
            int pages = 0;
            do {
                dev.unisession.store.SessionBrowser.Page page = store.list(cursor, 40);
                page.sessions().forEach(r -> listed.add(r.id()));
                cursor = page.next();
            } while (cursor != null && ++pages < 1_000);
            Set<String> missing = new HashSet<>(made);
            listed.forEach(missing::remove);
            assertEquals(0, missing.size(), () -> missing.size() + " of " + made.size() + " sessions not listed");
            assertEquals(made.size(), listed.size(), "each once");
            assertThrows(IllegalArgumentException.class, () -> store.list("7:0", 10), "a cursor past the masters");
            assertThrows(IllegalArgumentException.class, () -> store.list("not-a-cursor", 10));
        }
    }
}
