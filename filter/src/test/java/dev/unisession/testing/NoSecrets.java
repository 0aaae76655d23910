package dev.unisession.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;

/** A start-up error never shows a password of the configuration (security review, finding 7). */
public final class NoSecrets {

    private NoSecrets() {}

    /** Neither {@code e} nor any of its causes has {@code secret} in its message. */
    public static void assertNotShown(Throwable e, String secret) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            assertFalse(String.valueOf(t.getMessage()).contains(secret), "shown: " + t);
            if (t.getCause() == t) break;
        }
    }
}
