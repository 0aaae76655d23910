package dev.unisession.token;

/** HS256 tokens of {@link SessionTokenCodec}, written directly, with a keyed {@link javax.crypto.Mac} per key. */
final class Hs256Tokens {

    /** The {@code aud} claim, or null for none. */
    private final String audience;

    Hs256Tokens(String audience) {
        this.audience = audience;
    }

    /**
     * An HS256 token, written directly: the same compact JWS that jjwt writes and parses (header {@code alg},
     * {@code kid}; claims {@code sid}, {@code iat}, {@code exp}), without jjwt's builder, which cost a quarter of a
     * new session's CPU in a profile of the creation run (a JSON generator, base64 streams and a
     * {@code Mac.getInstance} per token); written this way the token is 3 % of it (bench/results/jfr-create.md).
     */
    String issue(TokenKey k, String sessionId, long issuedAt, long expiresAt) {
        StringBuilder payload = new StringBuilder(48 + sessionId.length()).append("{\"sid\":");
        jsonString(payload, sessionId);
        if (audience != null) jsonString(payload.append(",\"aud\":"), audience);
        payload.append(",\"iat\":").append(issuedAt).append(",\"exp\":").append(expiresAt)
                .append('}');
        Hs256Key key = hs256Key(k);
        String signingInput = key.header() + '.' + B64.encodeToString(payload.toString()
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        javax.crypto.Mac mac;
        try {
            mac = (javax.crypto.Mac) key.prototype().clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's HmacSHA256 is cloneable", e);
        }
        byte[] signature = mac.doFinal(signingInput.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return signingInput + '.' + B64.encodeToString(signature);
    }

    static final java.util.Base64.Encoder B64 = java.util.Base64.getUrlEncoder().withoutPadding();

    /** Per key: its encoded HS256 header and a keyed {@link javax.crypto.Mac} to clone (cheaper than a lookup). */
    private record Hs256Key(String header, javax.crypto.Mac prototype) {
    }

    private final java.util.concurrent.ConcurrentHashMap<TokenKey, Hs256Key> hs256Keys =
            new java.util.concurrent.ConcurrentHashMap<>();

    private Hs256Key hs256Key(TokenKey k) {
        Hs256Key known = hs256Keys.get(k);
        if (known != null) return known;
        if (hs256Keys.size() > 16) hs256Keys.clear(); // keys rotated many times: keep only the ones in use
        return hs256Keys.computeIfAbsent(k, key -> {
            StringBuilder header = new StringBuilder("{\"alg\":\"HS256\",\"kid\":");
            jsonString(header, key.kid()).append('}');
            try {
                javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
                mac.init(key.sign());
                return new Hs256Key(B64.encodeToString(header.toString()
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)), mac);
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is a required JDK algorithm; key '" + key.kid()
                        + "' refused: " + e.getMessage(), e);
            }
        });
    }

    /** Appends {@code s} as a JSON string. */
    static StringBuilder jsonString(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"');
    }
}
