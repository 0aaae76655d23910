package dev.unisession.admin;

import java.util.Map;

/**
 * One session as another session library stored it, decoded: its id there, owner, times and attribute values.
 *
 * @param maxInactiveSeconds zero or less: never expires by inactivity
 */
record LegacySession(
        String legacyId,
        String principal,
        long createdAt,
        long lastAccessedAt,
        int maxInactiveSeconds,
        Map<String, Object> attributes) {

    boolean isExpired(long now) {
        return maxInactiveSeconds > 0 && now >= lastAccessedAt + maxInactiveSeconds * 1000L;
    }
}
