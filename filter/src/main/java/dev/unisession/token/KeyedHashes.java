package dev.unisession.token;

import dev.unisession.token.TokenKeys.TokenKey;

/**
 * Keyed hashes under keys derived from the token signing keys: values the library hands out or stores that no
 * reader may invert and no client may make up.
 */
final class KeyedHashes {

    private final TokenKeys keys;

    KeyedHashes(TokenKeys keys) {
        this.keys = keys;
    }

    /** A purpose's keyed hash per signing key: a Mac keyed with a key derived from that key, to clone. */
    private record Derived(TokenKey key, String purpose) {
        // Written out: a record's generated equals is bootstrapped through java.lang.runtime.ObjectMethods, whose
        // one-entry method-handle cache keeps the last record class it saw, and with it an undeployed application.
        @Override
        public boolean equals(Object o) {
            return o instanceof Derived && ((Derived) o).key.equals(key) && ((Derived) o).purpose.equals(purpose);
        }

        @Override
        public int hashCode() {
            return 31 * key.hashCode() + purpose.hashCode();
        }
    }

    private final java.util.concurrent.ConcurrentHashMap<Derived, javax.crypto.Mac> derived =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A keyed hash of {@code data} for {@code purpose}, {@code chars} base64url characters, under a key derived from
     * the current signing key (HMAC-SHA256 keyed with SHA-256 of the purpose and the key's encoded bytes; a key
     * that can only verify is public and never used). For values the library hands out or stores that no reader
     * (of a cookie, a store dump, a GDPR export) may invert and no client may make up: session fingerprints, the
     * version hint's session tag. Every node holding the same token keys computes the same value.
     */
    String of(String purpose, String data, int chars) {
        return keyedHash(keys.current().current(), purpose, data, chars);
    }

    /** {@link #of} under each key that can sign, the current one first: a value made before a rotation. */
    java.util.List<String> underEach(String purpose, String data, int chars) {
        java.util.List<String> out = new java.util.ArrayList<>(2);
        for (TokenKey k : keys.current().all()) {
            if (k.sign() != null) out.add(keyedHash(k, purpose, data, chars));
        }
        return out;
    }

    private String keyedHash(TokenKey key, String purpose, String data, int chars) {
        javax.crypto.Mac prototype = derived.get(new Derived(key, purpose));
        if (prototype == null) {
            if (derived.size() > 16) derived.clear(); // keys rotated many times: keep only the ones in use
            prototype = derived.computeIfAbsent(new Derived(key, purpose), d -> derive(d.key(), d.purpose()));
        }
        javax.crypto.Mac mac;
        try {
            mac = (javax.crypto.Mac) prototype.clone();
        } catch (CloneNotSupportedException e) {
            mac = derive(key, purpose);
        }
        byte[] h = mac.doFinal(data.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String out = Hs256Tokens.B64.encodeToString(h);
        return out.substring(0, Math.min(chars, out.length()));
    }

    private static javax.crypto.Mac derive(TokenKey key, String purpose) {
        byte[] material = key.sign().getEncoded();
        if (material == null) {
            throw new IllegalStateException("Token key '" + key.kid() + "' cannot be exported, so no keyed hash ("
                    + purpose + ") can be derived from it");
        }
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            sha.update(("unisession:" + purpose + ":").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            byte[] k = sha.digest(material);
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(k, "HmacSHA256"));
            return mac;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 and SHA-256 are required JDK algorithms", e);
        }
    }
}
