package dev.unisession.admin;

import dev.unisession.codec.AttributeCodec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where the migration reads sessions from: the tables and files of Tomcat, Jetty and Spring Session, in the layout
 * their own stores write. Attribute values are read under the codec's class allowlist, never unchecked.
 */
abstract class SessionSource {

    /** One session read, or why it could not be. */
    record Item(String legacyId, LegacySession session, String unreadable) {}

    /** How many sessions there are to read (for the progress bar). */
    abstract int count() throws SQLException, IOException;

    /** Reads every session, handing each to the consumer; a session that cannot be decoded comes with a reason. */
    abstract void read(java.util.function.Consumer<Item> each) throws SQLException, IOException;

    /** Rows of a table, all or those whose {@code column} equals {@code value} (when value is not null). */
    static int countRows(Connection db, String table, String column, String value) throws SQLException {
        try (PreparedStatement st = db.prepareStatement(
                "SELECT COUNT(*) FROM " + table + (value == null ? "" : " WHERE " + column + " = ?"))) {
            if (value != null) st.setString(1, value);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    static String reason(Exception e) {
        String m = e.getMessage();
        if (e instanceof java.io.InvalidClassException || e instanceof ClassNotFoundException) {
            return "class not available or not allowed: " + m + " (add it with --classpath, allow it with "
                    + "codec.allow)";
        }
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /**
     * Reads Tomcat's {@code StandardSession.writeObjectData} layout: creation time, last access, max inactive,
     * isNew, isValid, this access, id, then (Tomcat 9+) authentication fields up to the attribute count, then
     * name/value pairs.
     */
    static LegacySession readTomcatSession(ObjectInputStream in) throws IOException, ClassNotFoundException {
        long created = (Long) in.readObject();
        long lastAccessed = (Long) in.readObject();
        int maxInactive = (Integer) in.readObject();
        in.readObject(); // isNew
        in.readObject(); // isValid
        long thisAccessed = (Long) in.readObject();
        String id = (String) in.readObject();
        String principal = null;
        Object next = in.readObject();
        for (int i = 0; i < 4 && !(next instanceof Integer); i++) { // authType, principal, expected id, saved request
            if (next instanceof Principal) principal = ((Principal) next).getName();
            next = in.readObject();
        }
        if (!(next instanceof Integer)) throw new IOException("not a Tomcat session record (no attribute count)");
        int n = (Integer) next;
        Map<String, Object> attrs = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String name = (String) in.readObject();
            attrs.put(name, in.readObject());
        }
        return new LegacySession(id, principal, created, Math.max(lastAccessed, thisAccessed), maxInactive, attrs);
    }

    /** Tomcat's DataSourceStore table (PersistentManager). */
    static final class TomcatJdbc extends SessionSource {
        private final Connection db;
        private final AttributeCodec codec;
        private final String table;
        private final Map<String, String> col;
        private final String app;

        TomcatJdbc(Connection db, AttributeCodec codec, String table, Map<String, String> columns, String app) {
            this.db = db;
            this.codec = codec;
            this.table = table;
            this.col = columns;
            this.app = app;
        }

        private String where() {
            return app == null ? "" : " WHERE " + col.get("app") + " = ?";
        }

        @Override
        int count() throws SQLException {
            return countRows(db, table, col.get("app"), app);
        }

        @Override
        void read(java.util.function.Consumer<Item> each) throws SQLException {
            try (PreparedStatement st = db.prepareStatement("SELECT " + col.get("id") + ", " + col.get("data") + ", "
                    + col.get("valid") + " FROM " + table + where() + " ORDER BY " + col.get("id"))) {
                if (app != null) st.setString(1, app);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        String id = rs.getString(1);
                        if (!"1".equals(String.valueOf(rs.getString(3)).trim())) {
                            each.accept(new Item(id, null, "invalid in the source"));
                            continue;
                        }
                        try (ObjectInputStream in = codec.openForeign(new ByteArrayInputStream(rs.getBytes(2)))) {
                            each.accept(new Item(id, readTomcatSession(in), null));
                        } catch (IOException | ClassNotFoundException | RuntimeException e) {
                            each.accept(new Item(id, null, reason(e)));
                        }
                    }
                }
            }
        }
    }

    /** Tomcat's StandardManager file ({@code SESSIONS.ser}) or a FileStore directory of {@code *.session} files. */
    static final class TomcatFile extends SessionSource {
        private final Path path;
        private final AttributeCodec codec;

        TomcatFile(Path path, AttributeCodec codec) {
            this.path = path;
            this.codec = codec;
        }

        private List<Path> files() throws IOException {
            if (!Files.isDirectory(path)) return List.of(path);
            try (Stream<Path> s = Files.list(path)) {
                return s.filter(p -> p.getFileName().toString().endsWith(".session"))
                        .sorted()
                        .toList();
            }
        }

        @Override
        int count() throws IOException {
            if (Files.isDirectory(path)) return files().size();
            try (InputStream f = Files.newInputStream(path);
                    ObjectInputStream in = codec.openForeign(f)) {
                return (Integer) in.readObject();
            } catch (ClassNotFoundException | ClassCastException e) {
                throw new IOException("not a Tomcat SESSIONS.ser file: " + path, e);
            }
        }

        @Override
        void read(java.util.function.Consumer<Item> each) throws IOException {
            if (Files.isDirectory(path)) {
                for (Path file : files()) {
                    String name = file.getFileName().toString();
                    String id = name.substring(0, name.length() - ".session".length());
                    try (InputStream f = Files.newInputStream(file);
                            ObjectInputStream in = codec.openForeign(f)) {
                        each.accept(new Item(id, readTomcatSession(in), null));
                    } catch (IOException | ClassNotFoundException | RuntimeException e) {
                        each.accept(new Item(id, null, reason(e)));
                    }
                }
                return;
            }
            // One stream: a session that fails to decode leaves the stream unusable, so the rest cannot be read.
            try (InputStream f = Files.newInputStream(path);
                    ObjectInputStream in = codec.openForeign(f)) {
                int n = (Integer) in.readObject();
                for (int i = 0; i < n; i++) {
                    try {
                        each.accept(new Item(null, readTomcatSession(in), null));
                    } catch (IOException | ClassNotFoundException | RuntimeException e) {
                        for (int j = i; j < n; j++) each.accept(new Item("#" + j, null, reason(e)));
                        return;
                    }
                }
            } catch (ClassNotFoundException | ClassCastException e) {
                throw new IOException("not a Tomcat SESSIONS.ser file: " + path, e);
            }
        }
    }

    /** Jetty's JDBCSessionDataStore table ({@code JettySessions}). */
    static final class JettyJdbc extends SessionSource {
        private final Connection db;
        private final AttributeCodec codec;
        private final String table;
        private final String context;

        JettyJdbc(Connection db, AttributeCodec codec, String table, String context) {
            this.db = db;
            this.codec = codec;
            this.table = table;
            this.context = context;
        }

        private String where() {
            return context == null ? "" : " WHERE contextPath = ?";
        }

        @Override
        int count() throws SQLException {
            return countRows(db, table, "contextPath", context);
        }

        @Override
        void read(java.util.function.Consumer<Item> each) throws SQLException {
            try (PreparedStatement st = db.prepareStatement("SELECT sessionId, createTime, accessTime, maxInterval, "
                    + "map FROM " + table + where() + " ORDER BY sessionId")) {
                if (context != null) st.setString(1, context);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        String id = rs.getString(1);
                        long maxMs = rs.getLong(4);
                        try (ObjectInputStream in = codec.openForeign(new ByteArrayInputStream(rs.getBytes(5)))) {
                            Map<String, Object> attrs = new LinkedHashMap<>();
                            int n = (Integer) in.readObject();
                            for (int i = 0; i < n; i++) {
                                String name = in.readUTF();
                                in.readBoolean(); // which class loader Jetty used
                                attrs.put(name, in.readObject());
                            }
                            each.accept(new Item(
                                    id,
                                    new LegacySession(
                                            id,
                                            null,
                                            rs.getLong(2),
                                            rs.getLong(3),
                                            maxMs <= 0 ? 0 : (int) Math.max(1, maxMs / 1000),
                                            attrs),
                                    null));
                        } catch (IOException | ClassNotFoundException | RuntimeException e) {
                            each.accept(new Item(id, null, reason(e)));
                        }
                    }
                }
            }
        }
    }

    /** Spring Session JDBC's SPRING_SESSION and SPRING_SESSION_ATTRIBUTES tables. */
    static final class SpringSessionJdbc extends SessionSource {
        private final Connection db;
        private final AttributeCodec codec;
        private final String table;

        SpringSessionJdbc(Connection db, AttributeCodec codec, String table) {
            this.db = db;
            this.codec = codec;
            this.table = table;
        }

        @Override
        int count() throws SQLException {
            return countRows(db, table, null, null);
        }

        @Override
        void read(java.util.function.Consumer<Item> each) throws SQLException {
            List<String[]> sessions = new ArrayList<>();
            List<long[]> times = new ArrayList<>();
            try (PreparedStatement st = db.prepareStatement("SELECT PRIMARY_ID, SESSION_ID, PRINCIPAL_NAME, "
                            + "CREATION_TIME, LAST_ACCESS_TIME, MAX_INACTIVE_INTERVAL FROM " + table
                            + " ORDER BY SESSION_ID");
                    ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    sessions.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
                    times.add(new long[] {rs.getLong(4), rs.getLong(5), rs.getLong(6)});
                }
            }
            try (PreparedStatement attrs = db.prepareStatement("SELECT ATTRIBUTE_NAME, ATTRIBUTE_BYTES FROM " + table
                    + "_ATTRIBUTES WHERE SESSION_PRIMARY_ID = ?")) {
                for (int i = 0; i < sessions.size(); i++) {
                    String[] s = sessions.get(i);
                    long[] t = times.get(i);
                    attrs.setString(1, s[0]);
                    Map<String, Object> values = new LinkedHashMap<>();
                    String unreadable = null;
                    try (ResultSet rs = attrs.executeQuery()) {
                        while (rs.next() && unreadable == null) {
                            try (ObjectInputStream in = codec.openForeign(new ByteArrayInputStream(rs.getBytes(2)))) {
                                values.put(rs.getString(1), in.readObject());
                            } catch (IOException | ClassNotFoundException | RuntimeException e) {
                                unreadable = "attribute '" + rs.getString(1) + "': " + reason(e);
                            }
                        }
                    }
                    each.accept(
                            unreadable != null
                                    ? new Item(s[1], null, unreadable)
                                    : new Item(
                                            s[1], new LegacySession(s[1], s[2], t[0], t[1], (int) t[2], values), null));
                }
            }
        }
    }
}
