package dev.unisession.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.token.SessionTokenCodec.Mode;
import dev.unisession.token.SessionTokenCodec.Rejection;
import io.jsonwebtoken.Jwts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SessionTokenCodecTest {

    private static final Duration TTL = Duration.ofHours(1);
    private static final Duration SKEW = Duration.ofSeconds(5);

    static String keySpec(Mode mode, String kid) {
        if (mode == Mode.ES256) {
            KeyPair p = Jwts.SIG.ES256.keyPair().build();
            return kid + ":" + Base64.getEncoder().encodeToString(p.getPrivate().getEncoded()) + ":"
                    + Base64.getEncoder().encodeToString(p.getPublic().getEncoded());
        }
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return kid + ":" + Base64.getEncoder().encodeToString(b);
    }

    private static SessionTokenCodec codec(Mode mode, String spec, Clock clock) {
        return new SessionTokenCodec(mode, TokenKeys.of(mode, spec), TTL, SKEW, clock, "app", Duration.ZERO);
    }

    /**
     * Security review, finding 1: two applications that share keys do not take each other's tokens, in every mode;
     * a token of an earlier version (no {@code aud}) is taken only if issued before the bound codec started, and is
     * then refreshed.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void tokensAreBoundToTheirApplication(Mode mode) {
        String spec = keySpec(mode, "k1");
        Clock t0 = Clock.fixed(java.time.Instant.parse("2026-12-05T10:00:00Z"), java.time.ZoneOffset.UTC);
        Clock t1 = Clock.offset(t0, Duration.ofMinutes(1));
        SessionTokenCodec a =
                new SessionTokenCodec(mode, TokenKeys.of(mode, spec), TTL, SKEW, t1, "shop", Duration.ZERO);
        SessionTokenCodec b =
                new SessionTokenCodec(mode, TokenKeys.of(mode, spec), TTL, SKEW, t1, "admin", Duration.ZERO);
        String fromA = a.issue("sid", 0);
        assertEquals("shop", a.verify(fromA).token().audience());
        assertFalse(a.needsRefresh(a.verify(fromA).token()));
        assertEquals(Rejection.WRONG_AUDIENCE, b.verify(fromA).rejection());
        assertEquals(Rejection.WRONG_AUDIENCE, b.verify(fromA).rejection(), "not cached either");
        assertEquals(Rejection.WRONG_AUDIENCE, a.verify(b.issue("sid", 0)).rejection());

        SessionTokenCodec before =
                new SessionTokenCodec(mode, TokenKeys.of(mode, spec), TTL, SKEW, t0, null, Duration.ZERO);
        String earlier = before.issue("sid", 0);
        SessionTokenCodec.Verification v = a.verify(earlier);
        assertTrue(v.ok(), "a token from before the upgrade: " + v.rejection());
        assertEquals(null, v.token().audience());
        assertTrue(a.needsRefresh(v.token()), "re-issued bound");
        SessionTokenCodec unboundLater = new SessionTokenCodec(
                mode,
                TokenKeys.of(mode, spec),
                TTL,
                SKEW,
                Clock.offset(t1, Duration.ofSeconds(1)),
                null,
                Duration.ZERO);
        assertEquals(
                Rejection.WRONG_AUDIENCE,
                a.verify(unboundLater.issue("sid", 0)).rejection(),
                "an unbound token made after binding started: an application that does not bind");

        // A rolling upgrade (token.unbound-grace): a node not yet upgraded still issues unbound tokens for a while.
        SessionTokenCodec upgraded =
                new SessionTokenCodec(mode, TokenKeys.of(mode, spec), TTL, SKEW, t1, "shop", Duration.ofMinutes(10));
        String duringRollout = new SessionTokenCodec(
                        mode,
                        TokenKeys.of(mode, spec),
                        TTL,
                        SKEW,
                        Clock.offset(t1, Duration.ofMinutes(5)),
                        null,
                        Duration.ZERO)
                .issue("sid", 0);
        String afterGrace = new SessionTokenCodec(
                        mode,
                        TokenKeys.of(mode, spec),
                        TTL,
                        SKEW,
                        Clock.offset(t1, Duration.ofMinutes(11)),
                        null,
                        Duration.ZERO)
                .issue("sid", 0);
        assertTrue(upgraded.verify(duringRollout).ok(), "within the grace");
        assertEquals(Rejection.WRONG_AUDIENCE, upgraded.verify(afterGrace).rejection(), "after the grace");
    }

    /**
     * The keyed hash behind fingerprints and the version hint's session tag (security review, finding 11): nodes
     * with the same keys agree, other keys give other values, a value made under a key rotated out of first place
     * is still among {@code keyedHashes}, and it never shows the hashed text.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void keyedHashesAgreeAcrossNodesAndSurviveRotation(Mode mode) {
        String old = keySpec(mode, "old");
        String fresh = keySpec(mode, "new");
        SessionTokenCodec a = codec(mode, old, Clock.systemUTC());
        SessionTokenCodec b = codec(mode, old, Clock.systemUTC());
        String h = a.keyedHash("version-hint", "abcdefghijklmnop", 6);
        assertEquals(6, h.length());
        assertEquals(h, b.keyedHash("version-hint", "abcdefghijklmnop", 6), "another node, the same keys");
        assertFalse(h.startsWith("abc"), h);
        assertFalse(h.equals(a.keyedHash("fingerprint", "abcdefghijklmnop", 6)), "one key per purpose");
        SessionTokenCodec other = codec(mode, fresh, Clock.systemUTC());
        assertFalse(h.equals(other.keyedHash("version-hint", "abcdefghijklmnop", 6)), "other keys, other values");
        SessionTokenCodec rotated = codec(mode, fresh + "," + old, Clock.systemUTC());
        assertEquals(
                other.keyedHash("version-hint", "abcdefghijklmnop", 6),
                rotated.keyedHash("version-hint", "abcdefghijklmnop", 6),
                "the current key makes new values");
        assertEquals(
                List.of(other.keyedHash("fingerprint", "ua=x", 22), a.keyedHash("fingerprint", "ua=x", 22)),
                rotated.keyedHashes("fingerprint", "ua=x", 22),
                "values made before the rotation still match");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void roundTrip(Mode mode) {
        SessionTokenCodec c = codec(mode, keySpec(mode, "a"), Clock.systemUTC());
        String t = c.issue("sid-1", 0);
        SessionTokenCodec.Verification v = c.verify(t);
        assertTrue(v.ok(), String.valueOf(v.rejection()));
        assertEquals("sid-1", v.token().sessionId());
        assertEquals("a", v.token().kid());
        String payload = t.split("\\.")[1];
        assertFalse(
                new String(
                                        Base64.getUrlDecoder()
                                                .decode(payload + "=".repeat((4 - payload.length() % 4) % 4)),
                                        StandardCharsets.ISO_8859_1)
                                .contains("sid-1")
                        && mode == Mode.ENCRYPTED,
                "encrypted: id unreadable");
    }

    /**
     * HS256 tokens are written without jjwt's builder: jjwt's own parser, given only the key, must accept them and read
     * the same claims, also for ids that need JSON escaping (a migrated container id may hold any character).
     */
    @Test
    void hs256TokensAreStandardJwsThatJjwtReads() {
        String spec = keySpec(Mode.HS256, "k-1");
        Instant now = Instant.parse("2026-12-05T03:00:00Z");
        SessionTokenCodec c = codec(Mode.HS256, spec, Clock.fixed(now, ZoneOffset.UTC));
        javax.crypto.SecretKey key = (javax.crypto.SecretKey)
                TokenKeys.of(Mode.HS256, spec).current().current().sign();
        for (String sid : List.of("AbC-_09", "quote\"back\\slash", "tab\tnew\nline", "\u00e9t\u00e9 \u2603")) {
            String t = c.issue(sid, 600);
            var jws = Jwts.parser()
                    .verifyWith(key)
                    .clock(() -> java.util.Date.from(now))
                    .build()
                    .parseSignedClaims(t);
            assertEquals("HS256", jws.getHeader().getAlgorithm());
            assertEquals("k-1", jws.getHeader().getKeyId());
            assertEquals(sid, jws.getPayload().get("sid"));
            assertEquals(now, jws.getPayload().getIssuedAt().toInstant());
            assertEquals(now.plusSeconds(600), jws.getPayload().getExpiration().toInstant());
            assertEquals(sid, c.verify(t).token().sessionId());
        }
    }

    /**
     * An HS256 token exactly as the codec writes it is checked without jjwt (a verification not in the cache cost
     * ~15 µs there), and the outcome is jjwt's: same claims, same expiry boundary (with the skew), and anything else
     * (tampered, another layout, escapes, an unknown key) is left to jjwt, which names the reason.
     */
    @Test
    void ourOwnHs256TokensAreCheckedWithoutJjwtAndTheOutcomeIsJjwts() {
        String spec = keySpec(Mode.HS256, "k-1") + "," + keySpec(Mode.HS256, "old");
        Instant t0 = Instant.parse("2026-12-05T03:00:00Z");
        TokenKeys keys = TokenKeys.of(Mode.HS256, spec);
        javax.crypto.SecretKey key =
                (javax.crypto.SecretKey) keys.current().current().sign();
        for (String audience : java.util.Arrays.asList("shop", null)) {
            SessionTokenCodec c = new SessionTokenCodec(
                    Mode.HS256, keys, TTL, SKEW, Clock.fixed(t0, ZoneOffset.UTC), audience, Duration.ofDays(1));
            for (String sid : List.of("AbC-_09", "x", "0123456789abcdefABCDEF-_0123456789")) {
                String t = c.issue(sid, 0);
                SessionTokenCodec.VerifiedToken fast = c.ours(t, keys.current());
                assertNotNull(fast, "our own token is checked without jjwt: " + t);
                var jws = Jwts.parser()
                        .verifyWith(key)
                        .clock(() -> java.util.Date.from(t0))
                        .build()
                        .parseSignedClaims(t);
                assertEquals(
                        new SessionTokenCodec.VerifiedToken(
                                sid,
                                "k-1",
                                jws.getPayload().getIssuedAt().toInstant(),
                                jws.getPayload().getExpiration().toInstant(),
                                audience),
                        fast);
                assertEquals(fast, c.verify(t).token());
                // Anything else goes to jjwt, which decides (and names the reason).
                String[] p = t.split("\\.");
                String flipped = p[2].charAt(0) == 'A' ? "B" + p[2].substring(1) : "A" + p[2].substring(1);
                assertNull(c.ours(p[0] + "." + p[1] + "." + flipped, keys.current()), "tampered MAC");
                assertEquals(
                        Rejection.BAD_SIGNATURE,
                        c.verify(p[0] + "." + p[1] + "." + flipped).rejection());
                assertNull(c.ours(t + ".", keys.current()), "four parts");
                assertNull(
                        c.ours(
                                t,
                                TokenKeys.of(Mode.HS256, keySpec(Mode.HS256, "k-1"))
                                        .current()),
                        "a key list without the key");
            }
            // jjwt's own layout of the same claims (another order): not ours, still valid through jjwt
            var b = Jwts.builder()
                    .header()
                    .keyId("k-1")
                    .and()
                    .claim("sid", "AbC")
                    .issuedAt(java.util.Date.from(t0))
                    .expiration(java.util.Date.from(t0.plus(TTL)));
            if (audience != null) b.claim("aud", audience);
            String theirs = b.signWith(key, Jwts.SIG.HS256).compact();
            assertNull(c.ours(theirs, keys.current()), "jjwt's layout is left to jjwt");
            assertTrue(c.verify(theirs).ok(), "and jjwt takes it");
            // the expiry boundary: exp + skew is still valid, a millisecond later expired, on both paths
            String t = c.issue("AbC", 0);
            Instant last = t0.plus(TTL).plus(SKEW);
            for (Instant now : List.of(last, last.plusMillis(1))) {
                SessionTokenCodec later = new SessionTokenCodec(
                        Mode.HS256, keys, TTL, SKEW, Clock.fixed(now, ZoneOffset.UTC), audience, Duration.ofDays(1));
                boolean jjwtTakesIt;
                try {
                    Jwts.parser()
                            .verifyWith(key)
                            .clockSkewSeconds(SKEW.toSeconds())
                            .clock(() -> java.util.Date.from(now))
                            .build()
                            .parseSignedClaims(t);
                    jjwtTakesIt = true;
                } catch (io.jsonwebtoken.ExpiredJwtException e) {
                    jjwtTakesIt = false;
                }
                assertEquals(now.equals(last), jjwtTakesIt, "jjwt at " + now);
                assertEquals(jjwtTakesIt, later.ours(t, keys.current()) != null, "ours at " + now);
                assertEquals(jjwtTakesIt, later.verify(t).ok(), "verify at " + now);
            }
        }
    }

    @Test
    void rejectionsNameTheirReason() {
        String spec = keySpec(Mode.HS256, "a");
        SessionTokenCodec c = codec(Mode.HS256, spec, Clock.systemUTC());
        String good = c.issue("sid", 0);
        String[] p = good.split("\\.");
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String other = b64.encodeToString("{\"sid\":\"other\",\"exp\":9999999999}".getBytes(StandardCharsets.UTF_8));
        assertEquals(
                Rejection.BAD_SIGNATURE,
                c.verify(p[0] + "." + other + "." + p[2]).rejection());
        assertEquals(
                Rejection.WRONG_ALGORITHM,
                c.verify(b64.encodeToString("{\"alg\":\"none\",\"kid\":\"a\"}".getBytes(StandardCharsets.UTF_8)) + "."
                                + p[1] + ".")
                        .rejection());
        assertEquals(
                Rejection.UNKNOWN_KEY,
                c.verify(codec(Mode.HS256, keySpec(Mode.HS256, "zz"), Clock.systemUTC())
                                .issue("sid", 0))
                        .rejection());
        assertEquals(
                Rejection.BAD_SIGNATURE,
                c.verify(codec(Mode.HS256, keySpec(Mode.HS256, "a"), Clock.systemUTC())
                                .issue("sid", 0))
                        .rejection());
        assertEquals(
                Rejection.WRONG_ALGORITHM,
                c.verify(codec(Mode.ES256, keySpec(Mode.ES256, "a"), Clock.systemUTC())
                                .issue("sid", 0))
                        .rejection(),
                "ES256 token to an HS256 codec");
        assertEquals(
                Rejection.WRONG_ALGORITHM,
                c.verify(codec(Mode.ENCRYPTED, keySpec(Mode.ENCRYPTED, "a"), Clock.systemUTC())
                                .issue("sid", 0))
                        .rejection(),
                "JWE to a signing codec");
        assertEquals(
                Rejection.TOO_LONG,
                c.verify("x".repeat(SessionTokenCodec.MAX_TOKEN_LENGTH + 1)).rejection());
        for (String t : List.of("", "garbage", "a.b.c", "...")) {
            assertEquals(Rejection.MALFORMED, c.verify(t).rejection(), t);
        }
        assertEquals(
                Rejection.NO_SESSION_ID,
                c.verify(Jwts.builder()
                                .header()
                                .keyId("a")
                                .and()
                                .expiration(new java.util.Date(System.currentTimeMillis() + 60_000))
                                .signWith(
                                        io.jsonwebtoken.security.Keys.hmacShaKeyFor(
                                                Base64.getDecoder().decode(spec.substring(2))),
                                        Jwts.SIG.HS256)
                                .compact())
                        .rejection());
    }

    @Test
    void encryptedTokensWithAnotherKeyAreUndecryptable() {
        SessionTokenCodec mine = codec(Mode.ENCRYPTED, keySpec(Mode.ENCRYPTED, "k"), Clock.systemUTC());
        String theirs = codec(Mode.ENCRYPTED, keySpec(Mode.ENCRYPTED, "k"), Clock.systemUTC())
                .issue("sid", 0);
        assertEquals(Rejection.UNDECRYPTABLE, mine.verify(theirs).rejection());
    }

    @Test
    void expiredTokensAreRejectedAndLifetimeIsCappedBySessionExpiry() {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        String spec = keySpec(Mode.HS256, "a");
        String token = codec(Mode.HS256, spec, Clock.fixed(t0, ZoneOffset.UTC)).issue("sid", 0);
        assertTrue(codec(Mode.HS256, spec, Clock.fixed(t0.plus(TTL).minusSeconds(1), ZoneOffset.UTC))
                .verify(token)
                .ok());
        assertEquals(
                Rejection.EXPIRED,
                codec(Mode.HS256, spec, Clock.fixed(t0.plus(TTL).plus(SKEW).plusSeconds(1), ZoneOffset.UTC))
                        .verify(token)
                        .rejection());
        String shortLived =
                codec(Mode.HS256, spec, Clock.fixed(t0, ZoneOffset.UTC)).issue("sid", 600);
        assertEquals(
                Rejection.EXPIRED,
                codec(Mode.HS256, spec, Clock.fixed(t0.plusSeconds(600 + 6), ZoneOffset.UTC))
                        .verify(shortLived)
                        .rejection(),
                "a 10-minute session's token lives 10 minutes");
    }

    @Test
    void rotation() {
        String oldKey = keySpec(Mode.HS256, "old");
        String newKey = keySpec(Mode.HS256, "new");
        String oldToken = codec(Mode.HS256, oldKey, Clock.systemUTC()).issue("sid", 0);
        SessionTokenCodec rotating = codec(Mode.HS256, newKey + "," + oldKey, Clock.systemUTC());
        SessionTokenCodec.VerifiedToken v = rotating.verify(oldToken).token();
        assertTrue(rotating.needsRefresh(v), "tokens of an old key are re-signed");
        assertEquals("new", rotating.verify(rotating.issue("sid", 0)).token().kid());
        assertFalse(
                rotating.needsRefresh(rotating.verify(rotating.issue("sid", 0)).token()));
        assertEquals(
                Rejection.UNKNOWN_KEY,
                codec(Mode.HS256, newKey, Clock.systemUTC()).verify(oldToken).rejection());
    }

    @Test
    void aKeyFileIsReadAgainWhenItChanges(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keys");
        String oldKey = keySpec(Mode.HS256, "old");
        Files.writeString(file, "# cookie keys\n" + oldKey + "\n");
        SessionTokenCodec c = new SessionTokenCodec(
                Mode.HS256, TokenKeys.fromFile(Mode.HS256, file), TTL, SKEW, Clock.systemUTC(), "app", Duration.ZERO);
        String oldToken = c.issue("sid", 0);
        Files.writeString(file, keySpec(Mode.HS256, "new") + "\n" + oldKey + "\n");
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 5000));
        Thread.sleep(1100);
        assertEquals("new", c.verify(c.issue("sid", 0)).token().kid());
        assertTrue(c.verify(oldToken).ok(), "still listed");
        Files.writeString(file, Files.readString(file).replace(oldKey, ""));
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 9000));
        Thread.sleep(1100);
        assertEquals(Rejection.UNKNOWN_KEY, c.verify(oldToken).rejection(), "removed: not served from the cache");
    }

    @Test
    void aCachedVerificationStillExpires() {
        Instant[] now = {Instant.parse("2026-01-01T00:00:00Z")};
        Clock clock = new Clock() {
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            public Instant instant() {
                return now[0];
            }
        };
        SessionTokenCodec c = codec(Mode.HS256, keySpec(Mode.HS256, "a"), clock);
        String t = c.issue("sid", 0);
        assertTrue(c.verify(t).ok());
        assertTrue(c.verify(t).ok(), "from the cache");
        now[0] = now[0].plus(TTL).plusSeconds(60);
        assertEquals(Rejection.EXPIRED, c.verify(t).rejection());
    }

    @Test
    void badKeySpecsAreRefusedWithoutEchoingSecrets() {
        for (String spec : List.of(
                "nocolon",
                "k:not*base64",
                "k:" + Base64.getEncoder().encodeToString(new byte[16]),
                "bad kid!:" + Base64.getEncoder().encodeToString(new byte[32]))) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> TokenKeys.parse(Mode.HS256, spec), spec);
            assertFalse(e.getMessage().contains("AAAAAAAAAAAAAAAA"), e.getMessage());
        }
        String k = keySpec(Mode.HS256, "same");
        assertThrows(IllegalArgumentException.class, () -> TokenKeys.parse(Mode.HS256, k + "," + k));
        assertThrows(
                IllegalArgumentException.class,
                () -> TokenKeys.parse(Mode.ENCRYPTED, "e:" + Base64.getEncoder().encodeToString(new byte[48])));
        assertThrows(IllegalArgumentException.class, () -> TokenKeys.parse(Mode.ES256, "e:abc"));
    }
}
