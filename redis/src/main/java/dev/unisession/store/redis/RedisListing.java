package dev.unisession.store.redis;

import dev.unisession.store.SessionBrowser;
import dev.unisession.store.SessionRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.redisson.api.RScript;
import org.redisson.client.codec.StringCodec;

/**
 * The Redis store's sessions page by page (admin {@code list}): a SCAN of the session hashes' keys, on a single
 * master in a script, in a Redis Cluster on every master in turn.
 */
final class RedisListing {

    private final RedisParts p;
    /** The store's read of several sessions at once. */
    private final Function<Collection<String>, Map<String, SessionRecord>> loadAll;

    RedisListing(RedisParts parts, Function<Collection<String>, Map<String, SessionRecord>> loadAll) {
        this.p = parts;
        this.loadAll = loadAll;
    }

    /** Up to {@code max} sessions from {@code cursor} (null: the first page), and the next page's cursor. */
    SessionBrowser.Page list(String cursor, int max) {
        String match = p.keys.hashPattern();
        List<org.redisson.connection.MasterSlaveEntry> masters = masters();
        if (masters != null) return listMasters(masters, cursor, max, match);
        String next = cursor == null ? "0" : cursor;
        List<String> ids = new ArrayList<>();
        do {
            String from = next;
            List<Object> flat = p.calls.call(
                    "list",
                    true,
                    () -> p.redis
                            .getScript(StringCodec.INSTANCE)
                            .<List<Object>>evalAsync(
                                    RScript.Mode.READ_ONLY,
                                    LuaScripts.SCAN,
                                    RScript.ReturnType.LIST,
                                    List.of(),
                                    from,
                                    match,
                                    Integer.toString(Math.max(10, max))));
            next = (String) flat.get(0);
            for (int i = 1; i < flat.size(); i++) {
                String key = (String) flat.get(i);
                ids.add(p.keys.idOf(key));
            }
        } while (ids.size() < max && !next.equals("0"));
        List<SessionRecord> out = new ArrayList<>(loadAll.apply(ids).values());
        return new SessionBrowser.Page(out, next.equals("0") ? null : next);
    }

    /**
     * The masters of a Redis Cluster in a fixed order (by address), or null on a single master (or Sentinel), where
     * one SCAN sees every key. A keyless command in a Cluster goes to one master: a listing must visit each.
     */
    private List<org.redisson.connection.MasterSlaveEntry> masters() {
        if (p.singleMaster || !(p.redis instanceof org.redisson.Redisson)) return null;
        List<org.redisson.connection.MasterSlaveEntry> out = new ArrayList<>(((org.redisson.Redisson) p.redis)
                .getCommandExecutor()
                .getConnectionManager()
                .getEntrySet());
        out.sort(
                java.util.Comparator.comparing(e -> String.valueOf(e.getClient().getAddr())));
        return out;
    }

    /**
     * {@link #list} across a Cluster's masters: the cursor is {@code master:scan cursor}, the masters taken in turn.
     * A failover or resharding between two pages may skip or repeat some sessions (as SCAN itself may).
     */
    private SessionBrowser.Page listMasters(
            List<org.redisson.connection.MasterSlaveEntry> masters, String cursor, int max, String match) {
        int master = 0;
        String scan = "0";
        if (cursor != null) {
            int colon = cursor.indexOf(':');
            try {
                master = Integer.parseInt(cursor.substring(0, Math.max(0, colon)));
                scan = cursor.substring(colon + 1);
                Long.parseUnsignedLong(scan);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Not a cursor of this listing: " + cursor);
            }
            if (master < 0 || master >= masters.size()) {
                throw new IllegalArgumentException(
                        "Not a cursor of this listing (the cluster has " + masters.size() + " masters): " + cursor);
            }
        }
        org.redisson.command.CommandAsyncExecutor executor = ((org.redisson.Redisson) p.redis).getCommandExecutor();
        List<String> ids = new ArrayList<>();
        while (ids.size() < max && master < masters.size()) {
            org.redisson.connection.MasterSlaveEntry entry = masters.get(master);
            String from = scan;
            org.redisson.client.protocol.decoder.ListScanResult<String> r = p.calls.call(
                    "list",
                    true,
                    () -> executor
                            .<org.redisson.client.protocol.decoder.ListScanResult<String>,
                                    org.redisson.client.protocol.decoder.ListScanResult<String>>
                                    readAsync(
                                            entry.getClient(),
                                            entry,
                                            StringCodec.INSTANCE,
                                            org.redisson.client.protocol.RedisCommands.SCAN,
                                            from,
                                            "MATCH",
                                            match,
                                            "COUNT",
                                            Math.max(10, max)));
            for (String k : r.getValues()) ids.add(p.keys.idOf(k));
            scan = r.getPos();
            if (scan.equals("0")) master++;
        }
        List<SessionRecord> out = new ArrayList<>(loadAll.apply(ids).values());
        return new SessionBrowser.Page(out, master >= masters.size() ? null : master + ":" + scan);
    }
}
