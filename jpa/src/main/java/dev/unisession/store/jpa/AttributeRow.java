package dev.unisession.store.jpa;

import java.io.Serializable;
import java.util.Objects;

/** One attribute of a session in the database (table {@code us_attribute}): the codec's bytes. */
public class AttributeRow {
    String sessionId;
    String name;
    byte[] data;

    protected AttributeRow() {}

    AttributeRow(String sessionId, String name, byte[] data) {
        this.sessionId = sessionId;
        this.name = name;
        this.data = data;
    }

    /** The composite key (session id, attribute name). */
    public static class Key implements Serializable {
        private static final long serialVersionUID = 1L;
        String sessionId;
        String name;

        public Key() {}

        Key(String sessionId, String name) {
            this.sessionId = sessionId;
            this.name = name;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key && ((Key) o).sessionId.equals(sessionId) && ((Key) o).name.equals(name);
        }

        @Override
        public int hashCode() {
            return Objects.hash(sessionId, name);
        }
    }
}
