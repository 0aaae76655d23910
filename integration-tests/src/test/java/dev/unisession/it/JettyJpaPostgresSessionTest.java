package dev.unisession.it;

import dev.unisession.store.SessionStore;
import dev.unisession.testing.TestDatabase;
import dev.unisession.testing.TestStores;

import org.junit.jupiter.api.AfterAll;

import java.time.Clock;

/** {@link SessionSuite} on embedded Jetty with store=jpa on Postgres (a database of its own). */
class JettyJpaPostgresSessionTest extends SessionSuite {
    private TestDatabase db;

    @Override
    Container container() {
        return Container.JETTY;
    }

    @Override
    SessionStore backing() {
        db = TestDatabase.create(TestDatabase.Kind.POSTGRES);
        return TestStores.jpa(db.url(), 0, Clock.systemUTC());
    }

    @AfterAll
    void dropDatabase() {
        db.close();
    }
}
