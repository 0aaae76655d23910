package dev.unisession.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate made at test time by the JDK's keytool (EC P-256, for {@code intranet.test},
 * {@code localhost} and 127.0.0.1), in a PKCS12 key store with a random password, in a temporary directory: no key is
 * ever committed. Clients are told to accept it.
 */
record TestCertificate(Path keyStore, String password) {

    /** The host name the tests give 127.0.0.1 (Chromium: --host-resolver-rules). */
    static final String HOST = "intranet.test";

    static TestCertificate create() {
        byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        try {
            Path dir = Files.createTempDirectory("unisession-tls");
            Path store = dir.resolve("server.p12");
            Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
            Path log = dir.resolve("keytool.log");
            ProcessBuilder pb = new ProcessBuilder(List.of(
                            keytool.toString(),
                            "-genkeypair",
                            "-alias",
                            "server",
                            "-keyalg",
                            "EC",
                            "-groupname",
                            "secp256r1",
                            "-validity",
                            "2",
                            "-dname",
                            "CN=" + HOST,
                            "-ext",
                            "SAN=dns:" + HOST + ",dns:localhost,ip:127.0.0.1",
                            "-storetype",
                            "PKCS12",
                            "-keystore",
                            store.toString(),
                            "-storepass:env",
                            "TLS_STORE_PASS"))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            pb.environment().put("TLS_STORE_PASS", password); // not on the command line
            Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("keytool failed: " + Files.readString(log, StandardCharsets.UTF_8));
            }
            return new TestCertificate(store, password);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
