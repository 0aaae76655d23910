package dev.unisession.it;

/** {@link ClusterSuite} on embedded Jetty. */
class JettyClusterTest extends ClusterSuite {
    @Override
    Container container() {
        return Container.JETTY;
    }
}
