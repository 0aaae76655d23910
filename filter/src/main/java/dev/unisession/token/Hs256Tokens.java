package dev.unisession.token;

import dev.unisession.token.TokenKeys.TokenKey;

/**
 * HS256 tokens of {@link SessionTokenCodec}, written and read directly (jjwt parses the others), with a keyed
 * {@link javax.crypto.Mac} per key.
 */
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
        payload.append(",\"iat\":")
                .append(issuedAt)
                .append(",\"exp\":")
                .append(expiresAt)
                .append('}');
        Hs256Key key = hs256Key(k);
        String signingInput = key.header()
                + '.'
                + B64.encodeToString(payload.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
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
    private record Hs256Key(String header, javax.crypto.Mac prototype) {}

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
                return new Hs256Key(
                        B64.encodeToString(header.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)), mac);
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(
                        "HmacSHA256 is a required JDK algorithm; key '" + key.kid() + "' refused: " + e.getMessage(),
                        e);
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

    /**
     * One of this class's own tokens under a key of {@code current}, read without jjwt (see
     * {@link SessionTokenCodec#ours}); null for anything else. {@code notExpiredAt}: now less the clock skew allowed.
     */
    SessionTokenCodec.VerifiedToken read(String token, TokenKeys.KeySet current, long notExpiredAt) {
        int dot1 = token.indexOf('.');
        int dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
        if (dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) return null;
        try {
            java.util.Base64.Decoder b64 = java.util.Base64.getUrlDecoder();
            String header = new String(b64.decode(token.substring(0, dot1)), java.nio.charset.StandardCharsets.UTF_8);
            String kid = between(header, "{\"alg\":\"HS256\",\"kid\":\"", "\"}");
            TokenKeys.TokenKey k = kid == null ? null : current.byKid(kid);
            if (k == null || k.sign() == null || !k.sign().equals(k.verify())) return null;
            Hs256Key key = hs256Key(k);
            if (!key.header().regionMatches(0, token, 0, dot1) || key.header().length() != dot1) return null;
            javax.crypto.Mac mac = (javax.crypto.Mac) key.prototype().clone();
            byte[] expected =
                    mac.doFinal(token.substring(0, dot2).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            if (!java.security.MessageDigest.isEqual(expected, b64.decode(token.substring(dot2 + 1)))) return null;
            String p = new String(b64.decode(token.substring(dot1 + 1, dot2)), java.nio.charset.StandardCharsets.UTF_8);
            int[] at = {0};
            String sid = field(p, at, "{\"sid\":\"", '"');
            if (sid == null || sid.isEmpty()) return null;
            String aud = null;
            if (p.startsWith(",\"aud\":\"", at[0])) {
                aud = field(p, at, ",\"aud\":\"", '"');
                if (aud == null) return null;
            }
            String iat = field(p, at, ",\"iat\":", ',');
            at[0]--; // the comma starts the next claim
            String exp = field(p, at, ",\"exp\":", '}');
            if (iat == null || exp == null || at[0] != p.length() || !digits(iat) || !digits(exp)) return null;
            long expires = Long.parseLong(exp);
            if (notExpiredAt > expires * 1000) return null; // expired: jjwt says so
            return new SessionTokenCodec.VerifiedToken(
                    sid,
                    kid,
                    java.time.Instant.ofEpochSecond(Long.parseLong(iat)),
                    java.time.Instant.ofEpochSecond(expires),
                    aud);
        } catch (IllegalArgumentException | CloneNotSupportedException e) {
            return null; // not base64url, or not ours: jjwt decides
        }
    }

    /** The text after {@code prefix} at {@code at[0]} up to {@code end} (moved past it); null if absent or escaped. */
    private static String field(String s, int[] at, String prefix, char end) {
        if (!s.startsWith(prefix, at[0])) return null;
        int from = at[0] + prefix.length();
        int to = s.indexOf(end, from);
        if (to < 0) return null;
        String v = s.substring(from, to);
        if (v.indexOf('\\') >= 0 || v.indexOf('"') >= 0) return null;
        at[0] = to + 1;
        return v;
    }

    private static String between(String s, String prefix, String suffix) {
        if (!s.startsWith(prefix) || !s.endsWith(suffix) || s.length() < prefix.length() + suffix.length()) {
            return null;
        }
        String v = s.substring(prefix.length(), s.length() - suffix.length());
        return v.indexOf('"') >= 0 || v.indexOf('\\') >= 0 ? null : v;
    }

    private static boolean digits(String s) {
        if (s.isEmpty() || s.length() > 12) return false;
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        return true;
    }
}
