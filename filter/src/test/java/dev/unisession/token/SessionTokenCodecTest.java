package dev.unisession.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.token.SessionTokenCodec.SigningKey;

import io.jsonwebtoken.Jwts;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

class SessionTokenCodecTest {

    private static final Duration TTL = Duration.ofHours(1);
    private static final Duration SKEW = Duration.ofSeconds(5);

    private static String keySpec(String kid) {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return kid + ":" + Base64.getEncoder().encodeToString(b);
    }

    private static SessionTokenCodec codec(String spec, Clock clock) {
        return new SessionTokenCodec(SessionTokenCodec.parseKeys(spec), TTL, SKEW, clock);
    }

    @Test
    void roundTrip() {
        SessionTokenCodec c = codec(keySpec("a"), Clock.systemUTC());
        String t = c.issue("sid-1");
        Optional<SessionTokenCodec.VerifiedToken> v = c.verify(t);
        assertTrue(v.isPresent());
        assertEquals("sid-1", v.get().sessionId());
        assertEquals("a", v.get().kid());
        assertFalse(t.contains("sid-1"), "payload is base64, not the raw id");
    }

    @Test
    void rejectsEverythingThatIsNotOurCurrentToken() {
        String spec = keySpec("a");
        SessionTokenCodec c = codec(spec, Clock.systemUTC());
        String good = c.issue("sid");
        String[] p = good.split("\\.");
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String otherPayload = b64.encodeToString("{\"sid\":\"other\",\"exp\":9999999999}".getBytes(StandardCharsets.UTF_8));
        List<String> bad = List.of(
                p[0] + "." + otherPayload + "." + p[2],
                b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "." + p[1] + ".",
                b64.encodeToString("{\"alg\":\"none\",\"kid\":\"a\"}".getBytes(StandardCharsets.UTF_8)) + "." + p[1] + ".",
                codec(keySpec("zz"), Clock.systemUTC()).issue("sid"),
                codec(keySpec("a"), Clock.systemUTC()).issue("sid"),
                Jwts.builder().header().keyId("a").and().claim("sid", "sid").signWith(
                        Jwts.SIG.HS384.key().build()).compact(),
                "", "garbage", "a.b.c", "...", "x".repeat(SessionTokenCodec.MAX_TOKEN_LENGTH + 1));
        for (String t : bad) assertTrue(c.verify(t).isEmpty(), t);
        assertTrue(c.verify(null).isEmpty());
    }

    @Test
    void expiredTokensAreRejected() {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        String spec = keySpec("a");
        String token = codec(spec, Clock.fixed(t0, ZoneOffset.UTC)).issue("sid");
        assertTrue(codec(spec, Clock.fixed(t0.plus(TTL).minusSeconds(1), ZoneOffset.UTC)).verify(token).isPresent());
        assertTrue(codec(spec, Clock.fixed(t0.plus(TTL).plus(SKEW).plusSeconds(1), ZoneOffset.UTC))
                .verify(token).isEmpty());
    }

    @Test
    void rotation() {
        String oldKey = keySpec("old");
        String newKey = keySpec("new");
        String oldToken = codec(oldKey, Clock.systemUTC()).issue("sid");
        SessionTokenCodec rotating = codec(newKey + "," + oldKey, Clock.systemUTC());
        SessionTokenCodec.VerifiedToken v = rotating.verify(oldToken).orElseThrow();
        assertTrue(rotating.needsRefresh(v), "tokens of an old key are re-signed");
        assertEquals("new", rotating.verify(rotating.issue("sid")).orElseThrow().kid());
        assertFalse(rotating.needsRefresh(rotating.verify(rotating.issue("sid")).orElseThrow()));
        assertTrue(codec(newKey, Clock.systemUTC()).verify(oldToken).isEmpty(), "removed key");
    }

    @Test
    void refreshAfterHalfTheLifetime() {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        String spec = keySpec("a");
        String token = codec(spec, Clock.fixed(t0, ZoneOffset.UTC)).issue("sid");
        SessionTokenCodec early = codec(spec, Clock.fixed(t0.plusSeconds(60), ZoneOffset.UTC));
        assertFalse(early.needsRefresh(early.verify(token).orElseThrow()));
        SessionTokenCodec late = codec(spec, Clock.fixed(t0.plus(TTL.dividedBy(2)).plusSeconds(1), ZoneOffset.UTC));
        assertTrue(late.needsRefresh(late.verify(token).orElseThrow()));
    }

    @Test
    void badKeySpecsAreRefusedWithoutEchoingSecrets() {
        for (String spec : List.of("nocolon", "k:not*base64", "k:" + Base64.getEncoder().encodeToString(new byte[16]),
                "bad kid!:" + Base64.getEncoder().encodeToString(new byte[32]))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SessionTokenCodec.parseKeys(spec), spec);
            assertFalse(e.getMessage().contains("AAAAAAAAAAAAAAAA"), e.getMessage());
        }
        String k = keySpec("same");
        assertThrows(IllegalArgumentException.class, () -> new SessionTokenCodec(
                SessionTokenCodec.parseKeys(k + "," + k), TTL, SKEW, Clock.systemUTC()));
        List<SigningKey> urlSafe = SessionTokenCodec.parseKeys("u:" + Base64.getUrlEncoder().encodeToString(
                new byte[] {-1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11, -12, -13, -14, -15, -16, -17, -18, -19, -20,
                        -21, -22, -23, -24, -25, -26, -27, -28, -29, -30, -31, -32}));
        assertEquals("u", urlSafe.get(0).kid());
    }
}
