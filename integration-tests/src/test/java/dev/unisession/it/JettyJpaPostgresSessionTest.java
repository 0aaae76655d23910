package dev.unisession.it;

import dev.unisession.testing.TestDatabase;

/** {@link SessionSuite} on embedded Jetty with store=jpa on Postgres. */
class JettyJpaPostgresSessionTest extends JpaSessionSuite {
    @Override
    Container container() {
        return Container.JETTY;
    }

    @Override
    TestDatabase.Kind database() {
        return TestDatabase.Kind.POSTGRES;
    }
}
