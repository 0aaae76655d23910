package dev.unisession.store.redis;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.redisson.api.RFuture;
import org.redisson.client.codec.StringCodec;

/**
 * The Redis store's per-user index ({@code Pp:principal}, a set of session ids): a principal's sessions, and
 * ending them all.
 */
final class RedisPrincipals {

    private final RedisParts p;

    RedisPrincipals(RedisParts parts) {
        this.p = parts;
    }

    /** The ids of the principal's sessions (ids of sessions that ended or changed hands are dropped from the set). */
    Set<String> find(String principal) {
        String key = p.keys.principal(principal);
        Set<Object> ids = p.calls.call(
                "findIdsByPrincipal",
                true,
                () -> p.redis.getSet(key, StringCodec.INSTANCE).readAllAsync());
        if (ids.isEmpty()) return Set.of();
        List<String> list = new ArrayList<>();
        for (Object o : ids) list.add((String) o);
        // Each hash's principal, not only its existence: a session that changed hands (another user logged in on
        // it) stays in the first user's set until read here, and must not be listed (or evicted) as theirs.
        List<RFuture<String>> owners = new ArrayList<>();
        p.calls.execute("findIdsByPrincipal", true, batch -> {
            owners.clear();
            for (String id : list) {
                owners.add(batch.<String, String>getMap(p.keys.hash(id), StringCodec.INSTANCE)
                        .getAsync(RedisHash.PRINCIPAL));
            }
        });
        Set<String> live = new HashSet<>();
        List<Object> stale = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (principal.equals(owners.get(i).toCompletableFuture().join())) live.add(list.get(i));
            else stale.add(list.get(i));
        }
        if (!stale.isEmpty()) p.redis.getSet(key, StringCodec.INSTANCE).removeAllAsync(stale);
        return live;
    }

    int deleteAll(String principal) {
        String key = p.keys.principal(principal);
        Set<Object> ids = p.calls.call(
                "deleteAllOf",
                true,
                () -> p.redis.getSet(key, StringCodec.INSTANCE).readAllAsync());
        List<RFuture<Long>> deleted = new ArrayList<>();
        p.calls.execute("deleteAllOf", true, batch -> {
            deleted.clear();
            for (Object o : ids) {
                String id = (String) o;
                deleted.add(batch.getKeys().deleteAsync(p.keys.hash(id)));
                batch.getScoredSortedSet(p.keys.expiry(id), StringCodec.INSTANCE)
                        .removeAsync(id);
                p.feed.publish(batch, id);
            }
            batch.getKeys().deleteAsync(key);
        });
        int n = 0;
        for (RFuture<Long> f : deleted) n += f.toCompletableFuture().join().intValue();
        return n;
    }
}
