package dev.unisession.store.jpa;

import dev.unisession.testing.TestStores;

/** {@link JpaStoreContract} on H2. */
class JpaStoreH2Test extends JpaStoreContract {
    private final String url = TestStores.h2Url();

    @Override
    String jdbcUrl() {
        return url;
    }
}
