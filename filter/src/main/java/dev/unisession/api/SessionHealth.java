package dev.unisession.api;

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
public record SessionHealth(Status status, String store, long activeSessions, String mode, long backlog,
                            long flushLagMillis, List<Tier> tiers) {

    /** UP: every tier answers. DEGRADED: sessions are served, but a tier is down. DOWN: sessions cannot be served. */
    public enum Status { UP, DEGRADED, DOWN }

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
    public record Tier(String name, String role, Status status, double latencyMs, long sessions, long calls,
                       String error) {
    }

    /** This report as one JSON object (the health endpoint's body; the README documents its schema). */
    public String toJson() {
        StringBuilder b = new StringBuilder(256);
        b.append("{\"status\":\"").append(status).append("\",\"store\":").append(jsonString(store))
                .append(",\"activeSessions\":").append(activeSessions)
                .append(",\"mode\":\"").append(mode).append('"')
                .append(",\"backlog\":").append(backlog)
                .append(",\"flushLagMs\":").append(flushLagMillis)
                .append(",\"tiers\":[");
        for (int i = 0; i < tiers.size(); i++) {
            Tier t = tiers.get(i);
            if (i > 0) b.append(',');
            b.append("{\"name\":").append(jsonString(t.name())).append(",\"role\":").append(jsonString(t.role()))
                    .append(",\"status\":\"").append(t.status()).append('"')
                    .append(",\"latencyMs\":").append(String.format(java.util.Locale.ROOT, "%.3f", t.latencyMs()))
                    .append(",\"sessions\":").append(t.sessions());
            if (t.calls() >= 0) b.append(",\"calls\":").append(t.calls());
            if (t.error() != null) b.append(",\"error\":").append(jsonString(t.error()));
            b.append('}');
        }
        return b.append("]}").toString();
    }

    /** A JSON string literal (or {@code null}), safe to embed in HTML too. */
    public static String jsonString(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
