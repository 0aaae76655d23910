package dev.unisession.it;

import dev.unisession.testing.TestDatabase;

/** {@link SessionSuite} on embedded Tomcat with store=jpa on Postgres. */
class TomcatJpaPostgresSessionTest extends JpaSessionSuite {
    @Override
    Container container() {
        return Container.TOMCAT;
    }

    @Override
    TestDatabase.Kind database() {
        return TestDatabase.Kind.POSTGRES;
    }
}
