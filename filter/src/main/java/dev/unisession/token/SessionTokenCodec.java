package dev.unisession.token;

import io.jsonwebtoken.Claims;
import io.jsonwebtoken.Header;
import io.jsonwebtoken.JweHeader;
import io.jsonwebtoken.JwsHeader;
import io.jsonwebtoken.JwtParser;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.LocatorAdapter;
import io.jsonwebtoken.UnsupportedJwtException;
import io.jsonwebtoken.security.Keys;
import io.jsonwebtoken.security.WeakKeyException;

import java.security.Key;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.SecretKey;

/**
 * Signs and verifies the session cookie: a compact JWS (HS256) whose {@code sid} claim is the session id, with
 * {@code kid} in the header for key rotation.
 *
 * <p>New tokens are signed with the first key of the list; tokens signed with any listed key verify. A token with
 * {@code alg=none}, a different algorithm, an unknown kid, a bad signature, an expired {@code exp} or any other
 * defect verifies to {@link Optional#empty()} (never an exception). Verification is local CPU work only.
 */
public final class SessionTokenCodec {

    /** Tokens longer than this are refused before any parsing. */
    public static final int MAX_TOKEN_LENGTH = 4096;
    static final String ALGORITHM = "HS256";
    static final String SESSION_ID_CLAIM = "sid";
    private static final Pattern KID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    /** A named signing key. */
    public record SigningKey(String kid, SecretKey key) {
        public SigningKey {
            if (kid == null || !KID.matcher(kid).matches()) {
                throw new IllegalArgumentException("key id must match " + KID.pattern() + ": '" + kid + "'");
            }
        }
    }

    /** What a verified token says. */
    public record VerifiedToken(String sessionId, String kid, Instant issuedAt, Instant expiresAt) {}

    private final List<SigningKey> keys;
    private final Map<String, SecretKey> byKid;
    private final Duration ttl;
    private final Clock clock;
    private final JwtParser parser;

    public SessionTokenCodec(List<SigningKey> keys, Duration ttl, Duration clockSkew, Clock clock) {
        if (keys.isEmpty()) throw new IllegalArgumentException("at least one signing key is required");
        this.keys = List.copyOf(keys);
        this.byKid = new LinkedHashMap<>();
        for (SigningKey k : keys) {
            if (byKid.putIfAbsent(k.kid(), k.key()) != null) {
                throw new IllegalArgumentException("duplicate key id '" + k.kid() + "'");
            }
        }
        this.ttl = ttl;
        this.clock = clock;
        this.parser = Jwts.parser()
                .keyLocator(new LocatorAdapter<Key>() {
                    @Override
                    protected Key locate(JwsHeader header) {
                        if (!ALGORITHM.equals(header.getAlgorithm())) {
                            throw new UnsupportedJwtException("algorithm not accepted: " + header.getAlgorithm());
                        }
                        SecretKey key = header.getKeyId() == null ? null : byKid.get(header.getKeyId());
                        if (key == null) throw new UnsupportedJwtException("unknown key id");
                        return key;
                    }

                    @Override
                    protected Key locate(JweHeader header) {
                        throw new UnsupportedJwtException("encrypted tokens are not accepted");
                    }

                    @Override
                    protected Key doLocate(Header header) {
                        throw new UnsupportedJwtException("unsupported token type");
                    }
                })
                .clockSkewSeconds(clockSkew.toSeconds())
                .clock(() -> Date.from(clock.instant()))
                .build();
    }

    /**
     * Parses a key list {@code kid1:base64secret,kid2:base64secret} (standard or URL-safe base64, each secret at
     * least 256 bits).
     *
     * @throws IllegalArgumentException describing the entry that is wrong, never echoing a secret
     */
    public static List<SigningKey> parseKeys(String spec) {
        List<SigningKey> out = new ArrayList<>();
        int index = 0;
        for (String entry : spec.split(",")) {
            index++;
            String e = entry.trim();
            int colon = e.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("entry " + index + " must be kid:base64secret");
            }
            String kid = e.substring(0, colon).trim();
            byte[] secret;
            try {
                String b64 = e.substring(colon + 1).trim();
                secret = (b64.indexOf('-') >= 0 || b64.indexOf('_') >= 0)
                        ? Base64.getUrlDecoder().decode(b64) : Base64.getDecoder().decode(b64);
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("entry " + index + " (kid '" + kid + "'): secret is not base64");
            }
            try {
                out.add(new SigningKey(kid, Keys.hmacShaKeyFor(secret)));
            } catch (WeakKeyException ex) {
                throw new IllegalArgumentException("entry " + index + " (kid '" + kid + "'): secret has "
                        + secret.length * 8 + " bits, HS256 needs at least 256");
            }
        }
        return out;
    }

    /** A fresh random key, for memory-only set-ups without configured keys. */
    public static SigningKey randomKey() {
        return new SigningKey("r" + Long.toHexString(System.nanoTime() & 0xffffff), Jwts.SIG.HS256.key().build());
    }

    /** Signs a token for the session id, valid for the configured ttl, with the first key. */
    public String issue(String sessionId) {
        SigningKey k = keys.get(0);
        Instant now = clock.instant();
        return Jwts.builder()
                .header().keyId(k.kid()).and()
                .claim(SESSION_ID_CLAIM, sessionId)
                .issuedAt(Date.from(now))
                .expiration(Date.from(now.plus(ttl)))
                .signWith(k.key(), Jwts.SIG.HS256)
                .compact();
    }

    /** Verifies a token; empty for anything that is not a valid, current token of ours. */
    public Optional<VerifiedToken> verify(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) return Optional.empty();
        try {
            var jws = parser.parseSignedClaims(token);
            Claims claims = jws.getPayload();
            Object sid = claims.get(SESSION_ID_CLAIM);
            if (!(sid instanceof String) || ((String) sid).isEmpty() || claims.getExpiration() == null) {
                return Optional.empty();
            }
            Date iat = claims.getIssuedAt();
            return Optional.of(new VerifiedToken((String) sid, jws.getHeader().getKeyId(),
                    iat == null ? Instant.EPOCH : iat.toInstant(), claims.getExpiration().toInstant()));
        } catch (RuntimeException e) {
            // JwtException, IllegalArgumentException and anything a hostile input provokes: "no session".
            return Optional.empty();
        }
    }

    /** True when the token is past half its lifetime and should be re-issued. */
    public boolean needsRefresh(VerifiedToken token) {
        Instant now = clock.instant();
        return now.isAfter(token.expiresAt().minus(ttl.dividedBy(2))) || !keys.get(0).kid().equals(token.kid());
    }
}
