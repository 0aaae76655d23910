package dev.unisession.store.jpa;

import static dev.unisession.store.jpa.ModeRouter.cached;

import dev.unisession.store.CacheTier;
import dev.unisession.store.SessionRecord;
import dev.unisession.store.StoreUnavailableException;
import java.util.ArrayList;
import java.util.List;

/**
 * The tiered store's expiry sweep in CACHE mode: sessions the cache tier claims (their rows deleted, or queued for
 * deletion), then those only the database still has. In DATABASE mode the database's own claim serves.
 */
final class TieredExpiry {

    private final CacheTier cache;
    private final JpaStore db;
    private final WriteBehind backlog;

    TieredExpiry(CacheTier cache, JpaStore db, WriteBehind backlog) {
        this.cache = cache;
        this.db = db;
        this.backlog = backlog;
    }

    /** Claims up to {@code max} sessions expired at {@code now} from both tiers (each claimed once, cluster-wide). */
    List<SessionRecord> claim(long now, int max) {
        List<SessionRecord> out = new ArrayList<>();
        for (SessionRecord r : cached(() -> cache.claimExpired(now, max))) {
            backlog.discard(r.id());
            try {
                db.delete(r.id());
            } catch (StoreUnavailableException e) {
                backlog.deleteLater(r.id());
            }
            out.add(r);
        }
        // Sessions only the database still has (the cache tier lost them, or never had them).
        try {
            for (SessionRecord r : db.claimExpired(now, max, id -> !inCache(id))) {
                backlog.discard(r.id());
                out.add(r);
            }
        } catch (StoreUnavailableException e) {
            if (out.isEmpty()) throw e;
        }
        return out;
    }

    private boolean inCache(String id) {
        try {
            // Also a session the cache tier claimed or deleted moments ago (its tombstone): another sweeper may be
            // about to delete its database row, and claiming that row too would end the session twice.
            return cache.knows(id);
        } catch (StoreUnavailableException e) {
            return true; // unsure: leave it for a later sweep
        }
    }
}
