package dev.unisession.api;

import java.time.Instant;
import java.util.Set;

/**
 * What an administrator may see of a stored session: its metadata and attribute names, never the values.
 *
 * <pre>{@code
 * for (SessionInfo s : manager.sessionsOf("alice")) {
 *     System.out.println(s.id() + " last seen " + s.lastAccessedAt());
 * }
 * }</pre>
 *
 * @param expiresAt null when the session never expires by inactivity
 * @param bytes     the stored size of its attribute values
 * @param metadata  its {@link SessionMetadata} (security facts such as the device or the MFA time)
 */
public record SessionInfo(
        String id,
        String principal,
        String context,
        Instant createdAt,
        Instant lastAccessedAt,
        Instant expiresAt,
        int maxInactiveSeconds,
        Set<String> attributeNames,
        long bytes,
        java.util.Map<String, String> metadata) {}
