package dev.unisession.token;

import io.jsonwebtoken.security.Keys;
import io.jsonwebtoken.security.WeakKeyException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The cookie keys: an ordered list, the first one signs (or encrypts) new tokens, all of them verify. Read from
 * the configured text or from a key file that is read again whenever it changes (rotation without restart).
 *
 * <p>Text format, entries separated by commas or new lines, {@code #} starts a comment:
 * <ul>
 *   <li>HS256 and encrypted tokens: {@code kid:base64secret} (HS256: at least 256 bits; A256GCM: exactly 256)</li>
 *   <li>ES256: {@code kid:base64(PKCS#8 private key):base64(X.509 public key)}; a key only to verify with:
 *       {@code kid::base64(X.509 public key)}</li>
 * </ul>
 */
public final class TokenKeys {

    private static final Pattern KID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    /** One key: what signs or encrypts (null for verify-only keys) and what verifies or decrypts. */
    public record TokenKey(String kid, java.security.Key sign, java.security.Key verify) {
        // Written out, as SessionTokenCodec.Derived's: no ObjectMethods bootstrap to keep this class after undeploy.
        @Override
        public boolean equals(Object o) {
            return o instanceof TokenKey
                    && ((TokenKey) o).kid.equals(kid)
                    && java.util.Objects.equals(((TokenKey) o).sign, sign)
                    && java.util.Objects.equals(((TokenKey) o).verify, verify);
        }

        @Override
        public int hashCode() {
            return kid.hashCode();
        }
    }

    /** An immutable, validated key list. */
    public static final class KeySet {
        private final List<TokenKey> keys;
        private final Map<String, TokenKey> byKid;

        KeySet(List<TokenKey> keys) {
            if (keys.isEmpty()) throw new IllegalArgumentException("at least one key is required");
            if (keys.get(0).sign() == null) throw new IllegalArgumentException("the first key must be able to sign");
            this.keys = List.copyOf(keys);
            this.byKid = new LinkedHashMap<>();
            for (TokenKey k : keys) {
                if (byKid.putIfAbsent(k.kid(), k) != null) {
                    throw new IllegalArgumentException("duplicate key id '" + k.kid() + "'");
                }
            }
        }

        public TokenKey current() {
            return keys.get(0);
        }

        public TokenKey byKid(String kid) {
            return kid == null ? null : byKid.get(kid);
        }

        /** Every key, the current one first. */
        public List<TokenKey> all() {
            return keys;
        }
    }

    private final SessionTokenCodec.Mode mode;
    private final String text;
    private final Path file;
    private volatile KeySet keys;
    private volatile long fileStamp;
    private volatile long nextCheck;

    private TokenKeys(SessionTokenCodec.Mode mode, String text, Path file) {
        this.mode = mode;
        this.text = text;
        this.file = file;
        this.keys = text != null ? parse(mode, text) : readFile();
    }

    /** Keys from configuration text. */
    public static TokenKeys of(SessionTokenCodec.Mode mode, String text) {
        return new TokenKeys(mode, text, null);
    }

    /** Keys from a file, read again when its modification time changes (checked at most once a second). */
    public static TokenKeys fromFile(SessionTokenCodec.Mode mode, Path file) {
        return new TokenKeys(mode, null, file);
    }

    /** A single random key, for memory-only set-ups without configured keys. */
    public static TokenKeys random(SessionTokenCodec.Mode mode) {
        byte[] b = new byte[32];
        new java.security.SecureRandom().nextBytes(b);
        if (mode == SessionTokenCodec.Mode.ES256) {
            java.security.KeyPair pair =
                    io.jsonwebtoken.Jwts.SIG.ES256.keyPair().build();
            return of(
                    mode,
                    "r:" + Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()) + ":"
                            + Base64.getEncoder()
                                    .encodeToString(pair.getPublic().getEncoded()));
        }
        return of(mode, "r:" + Base64.getEncoder().encodeToString(b));
    }

    /** The keys now in force. */
    public KeySet current() {
        if (file != null) {
            long now = System.nanoTime();
            if (now >= nextCheck) {
                nextCheck = now + 1_000_000_000L;
                try {
                    if (Files.getLastModifiedTime(file).toMillis() != fileStamp) keys = readFile();
                } catch (IOException | RuntimeException e) {
                    System.getLogger(TokenKeys.class.getName())
                            .log(
                                    System.Logger.Level.ERROR,
                                    "Cookie key file {0} cannot be read; the previous keys stay in force: {1}",
                                    file,
                                    e.getMessage());
                }
            }
        }
        return keys;
    }

    private KeySet readFile() {
        try {
            long stamp = Files.getLastModifiedTime(file).toMillis();
            KeySet k = parse(mode, Files.readString(file, StandardCharsets.UTF_8));
            fileStamp = stamp;
            return k;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read key file " + file, e);
        }
    }

    /**
     * Parses a key list.
     *
     * @throws IllegalArgumentException describing the entry that is wrong, never echoing a secret
     */
    public static KeySet parse(SessionTokenCodec.Mode mode, String spec) {
        List<TokenKey> out = new ArrayList<>();
        int index = 0;
        for (String raw : spec.split("[,\\n]")) {
            String e = raw.replaceAll("#.*$", "").trim();
            if (e.isEmpty()) continue;
            index++;
            String[] parts = e.split(":", -1);
            String kid = parts[0].trim();
            if (parts.length < 2 || !KID.matcher(kid).matches()) {
                throw new IllegalArgumentException(
                        "entry " + index + " must be kid:key with a key id of letters, digits, '.', '_' or '-'");
            }
            out.add(key(mode, index, kid, parts));
        }
        return new KeySet(out);
    }

    private static byte[] base64(int index, String kid, String b64) {
        String v = b64.trim();
        try {
            return (v.indexOf('-') >= 0 || v.indexOf('_') >= 0)
                    ? Base64.getUrlDecoder().decode(v)
                    : Base64.getDecoder().decode(v);
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("entry " + index + " (kid '" + kid + "'): key is not base64");
        }
    }

    private static TokenKey key(SessionTokenCodec.Mode mode, int index, String kid, String[] parts) {
        switch (mode) {
            case HS256: {
                byte[] secret = base64(index, kid, parts[1]);
                try {
                    SecretKey k = Keys.hmacShaKeyFor(secret);
                    return new TokenKey(kid, k, k);
                } catch (WeakKeyException ex) {
                    throw new IllegalArgumentException("entry " + index + " (kid '" + kid + "'): secret has "
                            + secret.length * 8 + " bits, HS256 needs at least 256");
                }
            }
            case ENCRYPTED: {
                byte[] secret = base64(index, kid, parts[1]);
                if (secret.length != 32) {
                    throw new IllegalArgumentException("entry " + index + " (kid '" + kid + "'): secret has "
                            + secret.length * 8 + " bits, A256GCM needs exactly 256");
                }
                SecretKey k = new SecretKeySpec(secret, "AES");
                return new TokenKey(kid, k, k);
            }
            default: {
                if (parts.length != 3) {
                    throw new IllegalArgumentException("entry " + index + " (kid '" + kid + "'): ES256 keys are "
                            + "kid:privateKey:publicKey or kid::publicKey");
                }
                try {
                    KeyFactory ec = KeyFactory.getInstance("EC");
                    PrivateKey priv = parts[1].isBlank()
                            ? null
                            : ec.generatePrivate(new PKCS8EncodedKeySpec(base64(index, kid, parts[1])));
                    PublicKey pub = ec.generatePublic(new X509EncodedKeySpec(base64(index, kid, parts[2])));
                    return new TokenKey(kid, priv, pub);
                } catch (GeneralSecurityException ex) {
                    throw new IllegalArgumentException("entry " + index + " (kid '" + kid + "'): not an EC key pair "
                            + "(PKCS#8 private, X.509 public)");
                }
            }
        }
    }
}
