package dev.unisession.store.jpa;

import dev.unisession.testing.Services;

/** {@link JpaStoreContract} on Postgres. */
class JpaStorePostgresTest extends JpaStoreContract {
    private final String url = Services.postgresUrl();

    @Override
    String jdbcUrl() {
        return url;
    }
}
