package dev.unisession.api;

import dev.unisession.codec.Json;
import java.util.List;

/**
 * The state of the session store, as the health endpoint reports it.
 *
 * <pre>{@code
 * SessionHealth h = manager.health();
 * if (h.status() == SessionHealth.Status.DOWN) alert(h.toJson());
 * }</pre>
 *
 * @param store          the configured store type (memory, redis, jpa, memory-jpa, tiered)
 * @param activeSessions live sessions, from the first serving tier that answered; -1 when none did
 * @param mode           where a tiered store serves from on this node: CACHE, DATABASE, a switch under way
 *                       (TO_DATABASE, TO_CACHE) or DOWN; NONE for other stores
 * @param backlog        changes waiting for the database
 * @param flushLagMillis how long the oldest of those has waited
 */
public record SessionHealth(
        Status status,
        String store,
        long activeSessions,
        String mode,
        long backlog,
        long flushLagMillis,
        List<Tier> tiers) {

    /** UP: every tier answers. DEGRADED: sessions are served, but a tier is down. DOWN: sessions cannot be served. */
    public enum Status {
        UP,
        DEGRADED,
        DOWN
    }

    /**
     * One tier.
     *
     * @param role      cache, primary or fallback
     * @param latencyMs how long the probe took
     * @param sessions  its live sessions, -1 when unknown
     * @param calls     calls this node made to it since it started (for Redis, round trips: a script or a pipelined
     *                  batch is one), -1 when not counted (a tier in this JVM)
     * @param error     why it is down, or null
     */
    public record Tier(
            String name, String role, Status status, double latencyMs, long sessions, long calls, String error) {}

    /** This report as one JSON object (the health endpoint's body; the README documents its schema). */
    public String toJson() {
        return Json.write(g -> {
            g.writeStartObject();
            g.writeStringField("status", status.name());
            g.writeStringField("store", store);
            g.writeNumberField("activeSessions", activeSessions);
            g.writeStringField("mode", mode);
            g.writeNumberField("backlog", backlog);
            g.writeNumberField("flushLagMs", flushLagMillis);
            g.writeArrayFieldStart("tiers");
            for (Tier t : tiers) {
                g.writeStartObject();
                g.writeStringField("name", t.name());
                g.writeStringField("role", t.role());
                g.writeStringField("status", t.status().name());
                g.writeFieldName("latencyMs");
                g.writeNumber(String.format(java.util.Locale.ROOT, "%.3f", t.latencyMs()));
                g.writeNumberField("sessions", t.sessions());
                if (t.calls() >= 0) g.writeNumberField("calls", t.calls());
                if (t.error() != null) g.writeStringField("error", t.error());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }
}
