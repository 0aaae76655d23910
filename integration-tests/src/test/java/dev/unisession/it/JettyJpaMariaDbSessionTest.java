package dev.unisession.it;

import dev.unisession.testing.TestDatabase;

/** {@link SessionSuite} on embedded Jetty with store=jpa on MariaDb. */
class JettyJpaMariaDbSessionTest extends JpaSessionSuite {
    @Override
    Container container() {
        return Container.JETTY;
    }

    @Override
    TestDatabase.Kind database() {
        return TestDatabase.Kind.MARIADB;
    }
}
