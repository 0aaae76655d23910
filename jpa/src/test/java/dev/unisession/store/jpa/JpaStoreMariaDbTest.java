package dev.unisession.store.jpa;

import dev.unisession.testing.Services;

/** {@link JpaStoreContract} on MariaDb. */
class JpaStoreMariaDbTest extends JpaStoreContract {
    private final String url = Services.mariadbUrl();

    @Override
    String jdbcUrl() {
        return url;
    }
}
