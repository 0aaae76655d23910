package dev.unisession.testing;

import dev.unisession.store.jpa.JpaStore;
import java.time.Clock;
import java.util.Map;

/** JPA stores for tests (see {@link TestStores#jpaSettings} for the users taken per database). */
public final class TestJpaStores {

    private TestJpaStores() {}

    public static JpaStore jpa(String jdbcUrl, double grace, Clock clock) {
        return JpaStore.connect(
                TestStores.jpaSettings(jdbcUrl, Map.of()), grace, clock, TestJpaStores.class.getClassLoader());
    }
}
