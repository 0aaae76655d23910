package dev.unisession.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Binds a session to what the client shows of itself: its User-Agent, optionally with its network (/24 for IPv4,
 * /64 for IPv6). Only a keyed hash is stored.
 */
public final class Fingerprint {

    /** What the fingerprint covers. */
    public enum Policy {
        OFF,
        USER_AGENT,
        USER_AGENT_IP_PREFIX
    }

    /** What happens when a request's fingerprint differs from its session's. */
    public enum OnMismatch {
        NEW_SESSION,
        KEEP
    }

    private Fingerprint() {}

    /**
     * What the fingerprint covers for this client, or null when the policy is off. The stored fingerprint is a keyed
     * hash of it (see {@code SessionTokenCodec.keyedHash}): a plain hash of a User-Agent and a /24 is recovered
     * offline from a store dump or a GDPR export by trying the common ones.
     */
    public static String material(Policy policy, String userAgent, String remoteAddress) {
        if (policy == Policy.OFF) return null;
        String material = "ua=" + (userAgent == null ? "" : userAgent);
        if (policy == Policy.USER_AGENT_IP_PREFIX) material += "|net=" + prefix(remoteAddress);
        return material;
    }

    /**
     * The unkeyed hash sessions were bound with before (SHA-256 of the material, 16 bytes, base64url): matched
     * once, then the session is bound with the keyed one, so nobody is logged out by the change.
     */
    public static String unkeyed(String material) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(material.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(h, 16));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The client's network: the first 3 bytes of an IPv4 address, the first 8 of an IPv6 one. */
    static String prefix(String address) {
        if (address == null || address.isEmpty()) return "";
        try {
            byte[] a = InetAddress.getByName(
                            address.startsWith("[") ? address.substring(1, address.length() - 1) : address)
                    .getAddress();
            byte[] p = java.util.Arrays.copyOf(a, a.length == 4 ? 3 : 8);
            return Base64.getEncoder().encodeToString(p);
        } catch (UnknownHostException | SecurityException e) {
            return address;
        }
    }
}
