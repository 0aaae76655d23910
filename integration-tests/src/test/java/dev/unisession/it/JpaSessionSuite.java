package dev.unisession.it;

import dev.unisession.store.SessionStore;
import dev.unisession.testing.TestDatabase;
import dev.unisession.testing.TestJpaStores;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;

/** {@link SessionSuite} with store=jpa on a database of its own; subclasses name the container and the database. */
abstract class JpaSessionSuite extends SessionSuite {
    private TestDatabase db;

    abstract TestDatabase.Kind database();

    @Override
    SessionStore backing() {
        db = TestDatabase.create(database());
        return TestJpaStores.jpa(db.url(), 0, Clock.systemUTC());
    }

    @AfterAll
    void dropDatabase() {
        db.close();
    }
}
