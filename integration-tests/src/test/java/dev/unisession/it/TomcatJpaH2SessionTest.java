package dev.unisession.it;

import dev.unisession.testing.TestDatabase;

/** {@link SessionSuite} on embedded Tomcat with store=jpa on H2. */
class TomcatJpaH2SessionTest extends JpaSessionSuite {
    @Override
    Container container() {
        return Container.TOMCAT;
    }

    @Override
    TestDatabase.Kind database() {
        return TestDatabase.Kind.H2;
    }
}
