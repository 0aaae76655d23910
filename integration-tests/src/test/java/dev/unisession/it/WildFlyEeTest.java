package dev.unisession.it;

import dev.unisession.it.Distribution.Server;
import java.nio.file.Path;
import java.util.List;

/** {@link EeServerSuite} on WildFly (Undertow, its own Weld), the distribution zip from Maven Central. */
class WildFlyEeTest extends EeServerSuite {
    @Override
    Server node(List<Path> wars, List<String> jvmOptions) throws Exception {
        return Distribution.wildfly(wars, jvmOptions);
    }
}
