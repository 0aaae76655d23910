package dev.unisession.it;

/** {@link ClusterSuite} on embedded Tomcat. */
class TomcatClusterTest extends ClusterSuite {
    @Override
    Container container() {
        return Container.TOMCAT;
    }
}
