package dev.unisession.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Binds a session to what the client shows of itself: its User-Agent, optionally with its network (/24 for IPv4,
 * /64 for IPv6). Only a hash is stored.
 */
public final class Fingerprint {

    /** What the fingerprint covers. */
    public enum Policy { OFF, USER_AGENT, USER_AGENT_IP_PREFIX }

    /** What happens when a request's fingerprint differs from its session's. */
    public enum OnMismatch { NEW_SESSION, KEEP }

    private Fingerprint() {
    }

    /** The hash for this client, or null when the policy is off. */
    public static String of(Policy policy, String userAgent, String remoteAddress) {
        if (policy == Policy.OFF) return null;
        String material = "ua=" + (userAgent == null ? "" : userAgent);
        if (policy == Policy.USER_AGENT_IP_PREFIX) material += "|net=" + prefix(remoteAddress);
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
            byte[] a = InetAddress.getByName(address.startsWith("[") ? address.substring(1, address.length() - 1)
                    : address).getAddress();
            byte[] p = java.util.Arrays.copyOf(a, a.length == 4 ? 3 : 8);
            return Base64.getEncoder().encodeToString(p);
        } catch (UnknownHostException | SecurityException e) {
            return address;
        }
    }
}
