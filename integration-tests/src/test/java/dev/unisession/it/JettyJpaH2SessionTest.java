package dev.unisession.it;

import dev.unisession.testing.TestDatabase;

/** {@link SessionSuite} on embedded Jetty with store=jpa on H2. */
class JettyJpaH2SessionTest extends JpaSessionSuite {
    @Override
    Container container() {
        return Container.JETTY;
    }

    @Override
    TestDatabase.Kind database() {
        return TestDatabase.Kind.H2;
    }
}
