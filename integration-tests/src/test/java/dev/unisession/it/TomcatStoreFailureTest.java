package dev.unisession.it;

/** {@link StoreFailureSuite} on embedded Tomcat. */
class TomcatStoreFailureTest extends StoreFailureSuite {
    @Override
    Container container() {
        return Container.TOMCAT;
    }
}
