package dev.unisession.it;

import java.security.SecureRandom;
import java.util.Base64;

/** Random signing keys made at test time (no secret lives in the source). */
final class Keys {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Keys() {}

    static byte[] secret() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return b;
    }

    static String entry(String kid, byte[] secret) {
        return kid + ":" + Base64.getEncoder().encodeToString(secret);
    }
}
