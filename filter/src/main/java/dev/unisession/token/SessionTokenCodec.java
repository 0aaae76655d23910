package dev.unisession.token;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unisession.token.TokenKeys.TokenKey;
import io.jsonwebtoken.Claims;
import io.jsonwebtoken.ExpiredJwtException;
import io.jsonwebtoken.Header;
import io.jsonwebtoken.JweHeader;
import io.jsonwebtoken.JwsHeader;
import io.jsonwebtoken.JwtParser;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.LocatorAdapter;
import io.jsonwebtoken.UnsupportedJwtException;
import io.jsonwebtoken.jackson.io.JacksonDeserializer;
import io.jsonwebtoken.jackson.io.JacksonSerializer;
import io.jsonwebtoken.security.SignatureException;
import java.security.Key;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * Issues and checks the session cookie: a compact JWT whose {@code sid} claim is the session id, with the key id
 * ({@code kid}, required) in the header for rotation. Three modes: signed with HS256 (default) or ES256, or
 * encrypted (JWE {@code dir} + A256GCM) so that the session id cannot be read from the cookie.
 *
 * <p>{@link #verify} never throws: anything that is not a valid, current token of this mode comes back as a
 * {@link Rejection} naming why. Verification is local CPU work only.
 */
public final class SessionTokenCodec {

    /** Tokens longer than this are refused before any parsing. */
    public static final int MAX_TOKEN_LENGTH = 4096;

    static final String SESSION_ID_CLAIM = "sid";
    /** A single string, as RFC 7519 allows (jjwt reads it as a one-element set). */
    static final String AUDIENCE_CLAIM = "aud";

    /** How tokens are protected. */
    public enum Mode {
        HS256,
        ES256,
        ENCRYPTED
    }

    /** Why a token was not accepted. */
    public enum Rejection {
        TOO_LONG,
        MALFORMED,
        WRONG_ALGORITHM,
        UNKNOWN_KEY,
        BAD_SIGNATURE,
        UNDECRYPTABLE,
        EXPIRED,
        NO_SESSION_ID,
        /**
         * Validly signed, but for another application ({@code aud}), or without one and issued after this codec
         * started binding tokens: a cookie of an application that shares the keys.
         */
        WRONG_AUDIENCE
    }

    /**
     * What a verified token says. {@code audience} is the application it is bound to, null for a token made before
     * tokens were bound (see {@link SessionTokenCodec#SessionTokenCodec}).
     */
    public record VerifiedToken(String sessionId, String kid, Instant issuedAt, Instant expiresAt, String audience) {}

    /** The outcome of {@link #verify}: a token, or the reason there is none. */
    public record Verification(VerifiedToken token, Rejection rejection) {
        public boolean ok() {
            return token != null;
        }
    }

    /** Thrown from the key locator to carry our reason through jjwt. */
    private static final class Rejected extends io.jsonwebtoken.security.SecurityException {
        final Rejection reason;

        Rejected(Rejection reason) {
            super(reason.name());
            this.reason = reason;
        }
    }

    private final Mode mode;
    private final TokenKeys keys;
    /** The application tokens are issued for and must name ({@code aud}); null: tokens are not bound. */
    private final String audience;
    /**
     * Tokens without {@code aud} issued before this instant are taken (those of a version that did not bind tokens:
     * made before this node started, or by a node not yet upgraded within the grace after it), later ones are not.
     */
    private final long unboundBefore;

    private final Duration ttl;
    private final Clock clock;
    private final long clockSkewMillis;
    private final JwtParser parser;
    /**
     * Tokens verified recently, so a busy session costs one MAC check per token rather than per request. A plain
     * concurrent map, as a lookup here is on every request (a cache with access bookkeeping cost 10 % of a read
     * request's CPU): when full, a hundredth of it, in no particular order, is dropped (each dropped token costs one
     * verification more, ~1 µs for this codec's own HS256 tokens, ~15 µs through jjwt: dropping a tenth kept the
     * cache a twentieth below full on average, so with about as many live sessions as it holds one request in
     * twenty paid for a verification). An entry counts only with the key list it was verified with, so a removed key's tokens
     * stop working at once.
     */
    private final java.util.concurrent.ConcurrentHashMap<String, Known> verified =
            new java.util.concurrent.ConcurrentHashMap<>();

    static final int VERIFIED_CACHE_SIZE = 10_000;

    /** A verified token and the key list that verified it. */
    private record Known(VerifiedToken token, TokenKeys.KeySet keys, long expiresAtMillis) {}

    /**
     * The JSON mapper of every token: Jackson's default keeps a buffer per thread in a ThreadLocal, which would leave
     * a value of this application's classes on each of the container's request threads and so keep the class loader
     * of an undeployed application alive (a SoftReference, which neither a full GC nor Tomcat's leak check clears).
     */
    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .disable(JsonFactory.Feature.USE_THREAD_LOCAL_FOR_BUFFER_RECYCLING)
            .build());

    private static final JacksonSerializer<java.util.Map<String, ?>> JSON_OUT = new JacksonSerializer<>(MAPPER);
    private static final JacksonDeserializer<java.util.Map<String, ?>> JSON_IN = new JacksonDeserializer<>(MAPPER);

    /**
     * @param audience the application this codec's tokens are bound to: issued with it as {@code aud}, and a token
     *                 naming another is rejected ({@link Rejection#WRONG_AUDIENCE}) before any store lookup, so two
     *                 applications that share keys (and a store) do not take each other's cookies. A token without
     *                 {@code aud} (an earlier version's) is taken only if issued before this codec was made plus
     *                 {@code unboundGrace} (in a rolling upgrade the nodes not yet upgraded still issue them), and is
     *                 then due for refresh. Null: tokens are not bound (tools that read any application's tokens).
     */
    public SessionTokenCodec(
            Mode mode,
            TokenKeys keys,
            Duration ttl,
            Duration clockSkew,
            Clock clock,
            String audience,
            Duration unboundGrace) {
        this.mode = mode;
        this.keys = keys;
        this.audience = audience;
        this.hs256 = new Hs256Tokens(audience);
        this.keyedHashes = new KeyedHashes(keys);
        // iat has whole seconds: one made in the second the grace ends is not taken
        this.unboundBefore = (clock.millis() + unboundGrace.toMillis()) / 1000 * 1000;
        this.ttl = ttl;
        this.clock = clock;
        this.clockSkewMillis = clockSkew.toSeconds() * 1000;
        String expectedAlg = mode == Mode.ES256 ? "ES256" : "HS256";
        this.parser = Jwts.parser()
                .json(JSON_IN)
                .keyLocator(new LocatorAdapter<Key>() {
                    @Override
                    protected Key locate(JwsHeader header) {
                        if (mode == Mode.ENCRYPTED || !expectedAlg.equals(header.getAlgorithm())) {
                            throw new Rejected(Rejection.WRONG_ALGORITHM);
                        }
                        return key(header).verify();
                    }

                    @Override
                    protected Key locate(JweHeader header) {
                        if (mode != Mode.ENCRYPTED
                                || !"dir".equals(header.getAlgorithm())
                                || !"A256GCM".equals(header.getEncryptionAlgorithm())) {
                            throw new Rejected(Rejection.WRONG_ALGORITHM);
                        }
                        return key(header).verify();
                    }

                    @Override
                    protected Key doLocate(Header header) {
                        throw new Rejected(Rejection.WRONG_ALGORITHM);
                    }

                    private TokenKey key(io.jsonwebtoken.ProtectedHeader header) {
                        TokenKey k = keys.current().byKid(header.getKeyId());
                        if (k == null) throw new Rejected(Rejection.UNKNOWN_KEY);
                        return k;
                    }
                })
                .clockSkewSeconds(clockSkew.toSeconds())
                .clock(() -> Date.from(clock.instant()))
                .build();
    }

    public Mode mode() {
        return mode;
    }

    /**
     * A token for the session, signed (or encrypted) with the current first key. Its lifetime is the configured
     * ttl, capped by the session's own max inactive interval when that is shorter.
     */
    public String issue(String sessionId, int maxInactiveSeconds) {
        TokenKey k = keys.current().current();
        Instant now = clock.instant();
        Duration life =
                maxInactiveSeconds > 0 && Duration.ofSeconds(maxInactiveSeconds).compareTo(ttl) < 0
                        ? Duration.ofSeconds(maxInactiveSeconds)
                        : ttl;
        if (mode == Mode.HS256) {
            return hs256.issue(
                    k, sessionId, now.getEpochSecond(), now.plus(life).getEpochSecond());
        }
        var builder = Jwts.builder()
                .json(JSON_OUT)
                .header()
                .keyId(k.kid())
                .and()
                .claim(SESSION_ID_CLAIM, sessionId)
                .claim(AUDIENCE_CLAIM, audience)
                .issuedAt(Date.from(now))
                .expiration(Date.from(now.plus(life)));
        switch (mode) {
            case ENCRYPTED:
                return builder.encryptWith((javax.crypto.SecretKey) k.sign(), Jwts.KEY.DIRECT, Jwts.ENC.A256GCM)
                        .compact();
            default:
                return builder.signWith((java.security.PrivateKey) k.sign(), Jwts.SIG.ES256)
                        .compact();
        }
    }

    /** HS256 tokens written without jjwt's builder (see {@link Hs256Tokens}). */
    private final Hs256Tokens hs256;
    /** Keyed hashes under keys derived from the signing keys (see {@link KeyedHashes}). */
    private final KeyedHashes keyedHashes;

    /**
     * A keyed hash of {@code data} for {@code purpose}, {@code chars} base64url characters, under a key derived from
     * the current signing key: see {@link KeyedHashes#of}.
     */
    public String keyedHash(String purpose, String data, int chars) {
        return keyedHashes.of(purpose, data, chars);
    }

    /** {@link #keyedHash} under each key that can sign, the current one first: a value made before a rotation. */
    public java.util.List<String> keyedHashes(String purpose, String data, int chars) {
        return keyedHashes.underEach(purpose, data, chars);
    }

    /** Checks a token; never throws. */
    public Verification verify(String token) {
        if (token == null || token.isEmpty()) return new Verification(null, Rejection.MALFORMED);
        if (token.length() > MAX_TOKEN_LENGTH) return new Verification(null, Rejection.TOO_LONG);
        TokenKeys.KeySet current = keys.current();
        Known known = verified.get(token);
        if (known != null) {
            // The expiry is kept beside the token: a cached verification costs no further memory hops.
            if (known.keys == current && clock.millis() < known.expiresAtMillis) {
                return new Verification(known.token, null);
            }
            verified.remove(token);
        }
        VerifiedToken ok = mode == Mode.HS256 ? ours(token, current) : null;
        boolean noIssueTime = false;
        if (ok == null) {
            try {
                io.jsonwebtoken.Jwt<? extends io.jsonwebtoken.ProtectedHeader, Claims> jwt =
                        mode == Mode.ENCRYPTED ? parser.parseEncryptedClaims(token) : parser.parseSignedClaims(token);
                Claims claims = jwt.getPayload();
                Object sid = claims.get(SESSION_ID_CLAIM);
                if (!(sid instanceof String) || ((String) sid).isEmpty() || claims.getExpiration() == null) {
                    return new Verification(null, Rejection.NO_SESSION_ID);
                }
                Date iat = claims.getIssuedAt();
                java.util.Set<String> aud = claims.getAudience();
                String bound = aud == null || aud.isEmpty()
                        ? null
                        : aud.size() == 1 ? aud.iterator().next() : "";
                noIssueTime = iat == null; // never within the grace of unbound tokens
                ok = new VerifiedToken(
                        (String) sid,
                        jwt.getHeader().getKeyId(),
                        iat == null ? Instant.EPOCH : iat.toInstant(),
                        claims.getExpiration().toInstant(),
                        bound);
            } catch (RuntimeException e) {
                return new Verification(null, reason(e));
            }
        }
        String bound = ok.audience();
        if (audience != null
                && (bound == null
                        ? noIssueTime || ok.issuedAt().toEpochMilli() >= unboundBefore
                        : !audience.equals(bound))) {
            return new Verification(null, Rejection.WRONG_AUDIENCE);
        }
        if (verified.size() >= VERIFIED_CACHE_SIZE) makeRoom();
        verified.put(token, new Known(ok, current, ok.expiresAt().toEpochMilli()));
        return new Verification(ok, null);
    }

    /**
     * An HS256 token exactly as {@link #hs256} writes it, checked without jjwt (whose parser, JSON and claims
     * objects cost ~15 µs, each time a token is not in the cache of verified ones: with more live sessions than
     * that cache holds, on a share of all requests): the header is the one this codec writes for a key of the
     * current list, the MAC over header and payload is that key's (compared in constant time, before the payload
     * is read), the payload has exactly the claims and layout written (no escapes), and the token has not expired
     * (with the clock skew allowed, as jjwt: expired once now - skew is after {@code exp}). Null for anything else,
     * which jjwt then parses and, if it is not valid, names the reason: this only accepts, never rejects.
     */
    VerifiedToken ours(String token, TokenKeys.KeySet current) {
        return hs256.read(token, current, clock.millis() - clockSkewMillis);
    }

    private void makeRoom() {
        int drop = VERIFIED_CACHE_SIZE / 100;
        for (java.util.Iterator<String> it = verified.keySet().iterator(); it.hasNext() && drop-- > 0; ) {
            it.next();
            it.remove();
        }
    }

    private Rejection reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof Rejected) return ((Rejected) t).reason;
            if (t instanceof ExpiredJwtException) return Rejection.EXPIRED;
            if (t instanceof SignatureException) return Rejection.BAD_SIGNATURE;
            if (t instanceof UnsupportedJwtException) return Rejection.WRONG_ALGORITHM;
            if (t instanceof io.jsonwebtoken.security.SecurityException) {
                return mode == Mode.ENCRYPTED ? Rejection.UNDECRYPTABLE : Rejection.BAD_SIGNATURE;
            }
            if (t.getCause() == t) break;
        }
        return Rejection.MALFORMED;
    }

    /**
     * True when the token is past half its lifetime, was made with a key that is no longer first, or is not bound to
     * this codec's application (an earlier version's token).
     */
    public boolean needsRefresh(VerifiedToken token) {
        long issued = token.issuedAt().toEpochMilli();
        long halfLife = (token.expiresAt().toEpochMilli() - issued) / 2;
        return clock.millis() > issued + halfLife
                || !keys.current().current().kid().equals(token.kid())
                || audience != null && token.audience() == null;
    }
}
