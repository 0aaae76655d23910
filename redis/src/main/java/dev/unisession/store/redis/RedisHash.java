package dev.unisession.store.redis;

import dev.unisession.store.SessionDelta;
import dev.unisession.store.SessionRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A session's Redis hash ({@code P{id}}, see {@link RedisStore}): its fields, a record read from them, the fields a
 * delta writes or deletes, and the arguments write.lua takes besides (the write's operation id and mode, the read
 * guard).
 */
final class RedisHash {

    private static final System.Logger LOG = System.getLogger(RedisStore.class.getName());

    static final String CREATED = "c";
    static final String ACCESSED = "a";
    static final String MAX_INACTIVE = "m";
    static final String VERSION = "v";
    static final String PRINCIPAL = "p";
    static final String CONTEXT = "x";
    static final String FINGERPRINT = "f";
    /** The id of the write applied last (see write.lua). */
    static final String OPERATION = "o";

    static final char ATTRIBUTE = '.';
    /**
     * The hash field of the application stamp ({@code SessionRecord.APPLICATION}), which every session carries: one
     * letter in place of the attribute's name (7 bytes of every hash; an earlier version reads it as metadata it
     * does not know, and ignores it).
     */
    static final String APPLICATION = "A";
    /** The epoch a hash was written in (see {@link RedisStore#epoch(long)}); absent: 0. */
    static final String EPOCH = "e";

    /** write.lua's guard arguments for a write that is built on no read: nothing to check. */
    static final List<Object> NO_GUARD = List.of(utf8("0"), utf8("0"));

    private RedisHash() {}

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The fields a delta writes ({@code set}, field and value in turn) and deletes ({@code del}), written in
     * {@code epoch}.
     */
    static void fields(SessionDelta d, long epoch, List<Object> set, List<Object> del) {
        set.add(utf8(ACCESSED));
        set.add(utf8(Long.toString(d.lastAccessedAt())));
        set.add(utf8(MAX_INACTIVE));
        set.add(utf8(Integer.toString(d.maxInactiveSeconds())));
        if (d.created()) {
            // Written at creation, as every earlier version needs it to read the hash (a rolling upgrade runs both);
            // a hash without it is read with its access time (a later version may leave it out of a new hash).
            set.add(utf8(CREATED));
            set.add(utf8(Long.toString(d.createdAt())));
            if (epoch > 0) { // epoch 0 (before any switch) costs no field
                set.add(utf8(EPOCH));
                set.add(utf8(Long.toString(epoch)));
            }
            if (d.baseVersion() > 0) { // a copy keeps counting from its version (the script adds one)
                set.add(utf8(VERSION));
                set.add(utf8(Long.toString(d.baseVersion())));
            }
        }
        if (d.created() || d.metadataChanged()) {
            List<Object> unset = d.created() ? null : del; // a new hash has nothing to delete
            meta(set, unset, PRINCIPAL, d.principal());
            meta(set, unset, CONTEXT, d.context());
            meta(set, unset, FINGERPRINT, d.fingerprint());
        }
        d.changed().forEach((name, bytes) -> {
            set.add(field(name));
            set.add(bytes);
        });
        for (String name : d.removed()) del.add(field(name));
    }

    /** The hash field of an attribute. */
    static byte[] field(String attribute) {
        return attribute.equals(SessionRecord.APPLICATION) ? utf8(APPLICATION) : utf8(ATTRIBUTE + attribute);
    }

    /**
     * A record from the hash's fields; null when the hash is from an earlier epoch (it counts as absent) and
     * (logged) when the metadata is damaged.
     */
    static SessionRecord parse(String id, Map<?, ?> hash, long epoch) {
        Map<String, String> meta = new LinkedHashMap<>();
        Map<String, byte[]> attrs = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : hash.entrySet()) {
            String field = new String((byte[]) e.getKey(), StandardCharsets.UTF_8);
            byte[] value = (byte[]) e.getValue();
            if (!field.isEmpty() && field.charAt(0) == ATTRIBUTE) {
                attrs.put(field.substring(1), value);
            } else if (field.equals(APPLICATION)) {
                attrs.put(SessionRecord.APPLICATION, value);
            } else {
                meta.put(field, new String(value, StandardCharsets.UTF_8));
            }
        }
        try {
            if (Long.parseLong(meta.getOrDefault(EPOCH, "0")) < epoch) return null;
            // no creation time: the session has not been written since it was made, at its access time
            return new SessionRecord(
                    id,
                    meta.get(PRINCIPAL),
                    meta.get(CONTEXT),
                    Long.parseLong(meta.getOrDefault(CREATED, meta.get(ACCESSED))),
                    Long.parseLong(meta.get(ACCESSED)),
                    Integer.parseInt(meta.get(MAX_INACTIVE)),
                    Long.parseLong(meta.getOrDefault(VERSION, "0")),
                    meta.get(FINGERPRINT),
                    attrs);
        } catch (RuntimeException e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "Session record in Redis has damaged metadata and is ignored: {0}",
                    e.toString());
            return null;
        }
    }

    static SessionRecord parse(String id, List<?> flat, long epoch) {
        Map<Object, Object> hash = new LinkedHashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) hash.put(flat.get(i), flat.get(i + 1));
        return parse(id, hash, epoch);
    }

    private static void meta(List<Object> set, List<Object> del, String field, String value) {
        if (value == null) {
            if (del != null) del.add(utf8(field));
        } else {
            set.add(utf8(field));
            set.add(utf8(value));
        }
    }

    /** A fresh id for one write (see write.lua); unique enough among a session's writes, not a secret. */
    static String operationId() {
        // 42 random bits in 7 characters: two writes of one session never share an id in practice, and the hash
        // stays within its memory size class (each byte counts: every session carries one).
        return Long.toString(java.util.concurrent.ThreadLocalRandom.current().nextLong(1L << 36, 1L << 42), 36)
                .substring(0, 7);
    }

    /** write.lua's mode for a delta: update, create, or create of a new session ({@link #fresh}). */
    static String mode(SessionDelta d) {
        return !d.created() ? "u" : fresh(d) ? "n" : "c";
    }

    /**
     * A delta that creates a session from nothing (not a copy of one another tier held, which keeps its version):
     * its id was just made, so no node can have it cached and no change notice is needed.
     */
    static boolean fresh(SessionDelta d) {
        return d.created() && d.baseVersion() == 0;
    }

    /**
     * write.lua's guard arguments for a delta: its base version, then each attribute it expects
     * ({@link SessionDelta#expected()}) with the SHA-1 of the bytes it read (hex, as Lua's {@code redis.sha1hex}).
     */
    static List<Object> guard(SessionDelta d) {
        if (d.expected().isEmpty()) return NO_GUARD;
        List<Object> out = new ArrayList<>(2 + 2 * d.expected().size());
        out.add(utf8(Long.toString(d.baseVersion())));
        out.add(utf8(Integer.toString(d.expected().size())));
        java.security.MessageDigest sha1;
        try {
            sha1 = java.security.MessageDigest.getInstance("SHA-1");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is a required JDK algorithm", e);
        }
        d.expected().forEach((name, bytes) -> {
            out.add(field(name));
            out.add(utf8(bytes.length == 0 ? "" : java.util.HexFormat.of().formatHex(sha1.digest(bytes))));
        });
        return out;
    }
}
