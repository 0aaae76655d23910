package dev.unisession.store.jpa;

import dev.unisession.store.CacheTier;
import dev.unisession.store.ChangeFeed;
import dev.unisession.store.StoreUnavailableException;
import dev.unisession.store.TierHealth;
import java.util.ArrayList;
import java.util.List;

/**
 * The tiered store's part in its {@link ClusterMode}: asks the cache tier, writes out the write-behind queue in the
 * barrier into the database, marks the cache tier with the epoch it serves, and tells the store's change listeners
 * to forget what they hold on each switch. Also the tiers' health as a node in that mode reports it.
 */
final class TieredParticipant implements ModeParticipant {
    private final CacheTier cache;
    private final WriteBehind backlog;
    private final List<ChangeFeed.ChangeListener> listeners;
    private final long drainMillis;

    TieredParticipant(
            CacheTier cache, WriteBehind backlog, List<ChangeFeed.ChangeListener> listeners, long drainMillis) {
        this.cache = cache;
        this.backlog = backlog;
        this.listeners = listeners;
        this.drainMillis = drainMillis;
    }

    @Override
    public Boolean cacheAnswers() {
        return cache.answers();
    }

    @Override
    public boolean cacheLostData() {
        return cache.lostData();
    }

    @Override
    public void drain(ClusterMode.State to) {
        if (to == ClusterMode.State.DATABASE && !backlog.writeOut(drainMillis)) {
            throw new StoreUnavailableException(
                    "Cannot write out the write-behind queue before the switch to the database (" + backlog.backlog()
                            + " sessions wait)",
                    null);
        }
    }

    @Override
    public void opening(long epoch) {
        cache.openEpoch(epoch);
    }

    @Override
    public void entered(ClusterMode.State state, long epoch) {
        cache.epoch(state == ClusterMode.State.CACHE ? epoch : -1);
        for (ChangeFeed.ChangeListener l : listeners) l.reset();
    }

    /** A listener that passes the cache tier's change notices on to the store's own listeners. */
    static ChangeFeed.ChangeListener fanOut(List<ChangeFeed.ChangeListener> listeners) {
        return new ChangeFeed.ChangeListener() {
            @Override
            public void changed(String id) {
                for (ChangeFeed.ChangeListener l : listeners) l.changed(id);
            }

            @Override
            public void reset() {
                for (ChangeFeed.ChangeListener l : listeners) l.reset();
            }
        };
    }

    /**
     * The tiers' health as this node reports it: the cache tier's up only while the node serves from it
     * ({@code serving}), the database's down while the node cannot serve at all ({@code problem}: alone in seeing the
     * cache tier gone, lease lapsed), so that a balancer takes the node out although the database itself answers.
     */
    static List<TierHealth> health(
            List<TierHealth> cacheTiers, List<TierHealth> dbTiers, boolean serving, String mode, String problem) {
        List<TierHealth> out = new ArrayList<>();
        for (TierHealth t : cacheTiers) {
            boolean up = t.up() && serving;
            out.add(new TierHealth(
                    t.name(),
                    t.role() == TierHealth.Role.CACHE ? t.role() : TierHealth.Role.PRIMARY,
                    up,
                    t.latencyMicros(),
                    t.sessions(),
                    up ? null : t.detail() != null ? t.detail() : "not serving: mode " + mode));
        }
        for (TierHealth t : dbTiers) {
            out.add(new TierHealth(
                    t.name(),
                    TierHealth.Role.FALLBACK,
                    t.up() && problem == null,
                    t.latencyMicros(),
                    t.sessions(),
                    problem != null ? "this node does not serve: " + problem : t.detail()));
        }
        return out;
    }
}
