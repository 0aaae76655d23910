package dev.unisession.it;

import dev.unisession.store.SessionStore;
import dev.unisession.testing.TestDatabase;
import dev.unisession.testing.TestStores;

import org.junit.jupiter.api.AfterAll;

import java.time.Clock;

/** {@link SessionSuite} on embedded Tomcat with store=jpa on H2 (a database of its own). */
class TomcatJpaH2SessionTest extends SessionSuite {
    private TestDatabase db;

    @Override
    Container container() {
        return Container.TOMCAT;
    }

    @Override
    SessionStore backing() {
        db = TestDatabase.create(TestDatabase.Kind.H2);
        return TestStores.jpa(db.url(), 0, Clock.systemUTC());
    }

    @AfterAll
    void dropDatabase() {
        db.close();
    }
}
