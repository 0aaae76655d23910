package dev.unisession.store.jpa;

import dev.unisession.store.SessionRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A session's metadata in the database (table {@code us_session}) with its small attributes; larger ones are
 * {@link AttributeRow}s. Mapped in {@code META-INF/unisession-orm.xml}.
 *
 * <p>Where an attribute is kept follows from its name and bytes alone ({@link #inRow}), so every writer knows it
 * without reading: the application stamp in {@link #application}, each other attribute of at most
 * {@link #SMALL_BYTES} bytes (name up to {@link #SMALL_NAME} characters) in {@link #attributes}, the rest as rows.
 * A typical new session is thereby one database row, not two. What the columns hold wins over an attribute row of
 * the same name: a value that shrank into the column may leave its row behind until the attribute is removed, the
 * session is written whole or it ends (writing a change does not look for one).
 */
public class SessionRow {
    String id;
    String principal;
    String context;
    long createdAt;
    long lastAccessed;

    /** Epoch millis from which the session is expired (grace included); {@link Long#MAX_VALUE} for never. */
    long expiresAt;

    int maxInactive;
    long version;
    String fingerprint;

    /**
     * The application stamp ({@link SessionRecord#APPLICATION}, the codec's bytes), kept in this column rather than as
     * an attribute row: every session carries one, and a row of its own was a third of what a new anonymous session
     * cost the database. Null: none, or one written by an earlier version as an {@link AttributeRow}, which is read
     * too.
     */
    byte[] application;

    /**
     * The session's small attributes ({@link #inRow}, the stamp excepted) in one value ({@link #encode}); null for
     * none. Rows an earlier version made have none: their attributes are all rows.
     */
    byte[] attributes;

    protected SessionRow() {}

    SessionRow(String id) {
        this.id = id;
    }

    /** Longest stamp the column holds (an application id has at most 64 characters); a longer one is a row. */
    static final int STAMP_BYTES = 255;

    /** Longest value kept in {@link #attributes}: larger ones are rows, so a change to one writes only its row. */
    static final int SMALL_BYTES = 128;

    /** Longest name (characters) of an attribute kept in {@link #attributes}. */
    static final int SMALL_NAME = 64;

    /** Whether an attribute is kept in the session row's columns rather than as an attribute row. */
    static boolean inRow(String name, byte[] value) {
        if (value == null) return false;
        if (name.equals(SessionRecord.APPLICATION)) return value.length <= STAMP_BYTES;
        return value.length <= SMALL_BYTES && name.length() <= SMALL_NAME;
    }

    /** The {@link #attributes} value of a record's attributes, or null when none is small. */
    static byte[] smallOf(Map<String, byte[]> attributes) {
        Map<String, byte[]> small = null;
        for (Map.Entry<String, byte[]> e : attributes.entrySet()) {
            if (e.getKey().equals(SessionRecord.APPLICATION) || !inRow(e.getKey(), e.getValue())) continue;
            if (small == null) small = new LinkedHashMap<>();
            small.put(e.getKey(), e.getValue());
        }
        return small == null ? null : encode(small);
    }

    /**
     * Small attributes as one value: per attribute its name ({@link DataOutputStream#writeUTF}), the length of its
     * bytes (one byte: at most {@link #SMALL_BYTES}) and the bytes.
     */
    static byte[] encode(Map<String, byte[]> small) {
        if (small.isEmpty()) return null;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * small.size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : small.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeByte(e.getValue().length);
                out.write(e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // not thrown by an in-memory stream
        }
        return bytes.toByteArray();
    }

    /** The attributes an {@link #encode}d value holds; a value this version cannot read fails loudly. */
    static Map<String, byte[]> decode(byte[] value) {
        Map<String, byte[]> small = new LinkedHashMap<>();
        if (value == null) return small;
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(value))) {
            while (in.available() > 0) {
                String name = in.readUTF();
                byte[] v = new byte[in.readUnsignedByte()];
                in.readFully(v);
                small.put(name, v);
            }
        } catch (IOException e) {
            throw new IllegalStateException("A session row's attributes column cannot be read: " + e, e);
        }
        return small;
    }

    /** Applies changed and removed attributes to the row's columns (the stamp and the small attributes). */
    void applyToColumns(Map<String, byte[]> changed, Collection<String> removed) {
        if (changed.containsKey(SessionRecord.APPLICATION) || removed.contains(SessionRecord.APPLICATION)) {
            application = stampOf(changed);
        }
        boolean others = false;
        for (String n : changed.keySet()) others |= !n.equals(SessionRecord.APPLICATION);
        for (String n : removed) others |= !n.equals(SessionRecord.APPLICATION);
        if (!others) return;
        Map<String, byte[]> small = decode(attributes);
        small.keySet().removeAll(removed);
        changed.forEach((n, v) -> {
            if (n.equals(SessionRecord.APPLICATION)) return;
            if (inRow(n, v)) small.put(n, v);
            else small.remove(n); // now a row
        });
        attributes = encode(small);
    }

    /** Sets both columns from a whole record's attributes. */
    void columnsOf(Map<String, byte[]> all) {
        application = stampOf(all);
        attributes = smallOf(all);
    }

    /** The stamp a record's row keeps in its column, or null. */
    static byte[] stampOf(Map<String, byte[]> attributes) {
        byte[] v = attributes.get(SessionRecord.APPLICATION);
        return inRow(SessionRecord.APPLICATION, v) ? v : null;
    }

    /** The attributes of a row's session: its attribute rows and what its columns hold (which wins). */
    Map<String, byte[]> withColumns(Map<String, byte[]> rows) {
        if (application == null && attributes == null) return rows;
        Map<String, byte[]> all = new LinkedHashMap<>(rows);
        all.putAll(decode(attributes));
        if (application != null) all.put(SessionRecord.APPLICATION, application);
        return all;
    }

    /** Sets everything a write may change but the version. */
    void describe(
            long lastAccessed, int maxInactive, long expiresAt, String principal, String context, String fingerprint) {
        this.lastAccessed = lastAccessed;
        this.maxInactive = maxInactive;
        this.expiresAt = expiresAt;
        this.principal = principal;
        this.context = context;
        this.fingerprint = fingerprint;
    }
}
