package dev.unisession.it;

import dev.unisession.it.Distribution.Server;
import java.nio.file.Path;
import java.util.List;

/** {@link EeServerSuite} on Payara Server 6 (GlassFish's web container, Weld), the zip from Maven Central. */
class PayaraEeTest extends EeServerSuite {
    @Override
    Server node(List<Path> wars, List<String> jvmOptions) throws Exception {
        return Distribution.payara(wars, jvmOptions);
    }
}
