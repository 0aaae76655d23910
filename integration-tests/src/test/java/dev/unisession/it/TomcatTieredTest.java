package dev.unisession.it;

/** {@link TieredSuite} on embedded Tomcat. */
class TomcatTieredTest extends TieredSuite {
    @Override
    Container container() {
        return Container.TOMCAT;
    }
}
