package dev.unisession.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Lob;
import jakarta.persistence.Table;

import java.io.Serializable;
import java.util.Objects;

/** One attribute of a session in the database (table {@code us_attribute}): the codec's bytes. */
@Entity
@Table(name = "us_attribute")
@IdClass(AttributeRow.Key.class)
public class AttributeRow {

    @Id
    @Column(name = "session_id", length = 64)
    String sessionId;

    @Id
    @Column(name = "name", length = 255)
    String name;

    @Lob
    @Column(name = "data", nullable = false)
    byte[] data;

    protected AttributeRow() {
    }

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

        public Key() {
        }

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
