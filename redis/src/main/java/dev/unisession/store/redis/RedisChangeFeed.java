package dev.unisession.store.redis;

import dev.unisession.store.ChangeFeed;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.redisson.api.RBatch;
import org.redisson.api.RedissonClient;
import org.redisson.api.listener.StatusListener;
import org.redisson.client.codec.StringCodec;

/**
 * The Redis store's change feed: a write publishes {@code node:id} on the channel {@code Pchanges}, and every other
 * node's listeners (near caches) drop their copy of that session. While the subscription is not known to be live
 * (not yet made, or a connection closed), the feed says so and listeners are reset: a notice may have been missed.
 */
final class RedisChangeFeed {

    private static final System.Logger LOG = System.getLogger(RedisStore.class.getName());

    private final RedissonClient redis;
    private final String channel;
    /** This node's id on the channel: its own notices are not handed to its listeners. */
    private final String nodeId;

    private final List<ChangeFeed.ChangeListener> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean subscribed;
    private volatile boolean live;
    private volatile long nextSubscribeAttempt;

    RedisChangeFeed(RedissonClient redis, String channel) {
        this.redis = redis;
        this.channel = channel;
        byte[] id = new byte[6];
        new SecureRandom().nextBytes(id);
        this.nodeId = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
    }

    void add(ChangeFeed.ChangeListener listener) {
        listeners.add(listener);
        trySubscribe();
    }

    boolean live() {
        return live;
    }

    /** Subscribes if a listener waits for notices and no subscription was made yet (see {@link #trySubscribe}). */
    void ensureSubscribed() {
        if (!subscribed && !listeners.isEmpty()) trySubscribe();
    }

    /** A connection came back: notices may have been missed meanwhile. */
    void reconnected() {
        resetListeners();
    }

    /** A connection closed: the feed is not live until the subscription is back, and notices may be missed. */
    void disconnected() {
        live = false;
        resetListeners();
    }

    /** Queues the notice that this node changed a session. */
    void publish(RBatch batch, String id) {
        batch.getTopic(channel, StringCodec.INSTANCE).publishAsync(message(id));
    }

    /** What this node publishes on the change channel when it changed a session: its node id, then the session's. */
    String message(String id) {
        return nodeId + ":" + id;
    }

    /** Subscribes to the change channel; while Redis is down, retried at most every few seconds. */
    private synchronized void trySubscribe() {
        long now = System.nanoTime();
        if (subscribed || now < nextSubscribeAttempt) return;
        nextSubscribeAttempt = now + TimeUnit.SECONDS.toNanos(5);
        try {
            var topic = redis.getTopic(channel, StringCodec.INSTANCE);
            topic.addListener(new StatusListener() {
                @Override
                public void onSubscribe(String ch) {
                    live = true;
                    resetListeners(); // first subscription and every re-subscription after a reconnect
                }

                @Override
                public void onUnsubscribe(String ch) {
                    live = false;
                    resetListeners();
                }
            });
            topic.addListener(String.class, (ch, msg) -> {
                int colon = msg.indexOf(':');
                if (colon < 0 || msg.substring(0, colon).equals(nodeId)) return;
                String id = msg.substring(colon + 1);
                for (ChangeFeed.ChangeListener l : listeners) l.changed(id);
            });
            subscribed = true;
            live = true;
        } catch (RuntimeException e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "Cannot subscribe to Redis channel {0} yet (near caches stay bypassed until it works): {1}",
                    channel,
                    e.toString());
        }
    }

    private void resetListeners() {
        for (ChangeFeed.ChangeListener l : listeners) l.reset();
    }
}
