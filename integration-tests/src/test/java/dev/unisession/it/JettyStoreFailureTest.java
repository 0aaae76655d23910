package dev.unisession.it;

/** {@link StoreFailureSuite} on embedded Jetty. */
class JettyStoreFailureTest extends StoreFailureSuite {
    @Override
    Container container() {
        return Container.JETTY;
    }
}
