package dev.unisession.it;

/** {@link CdiSuite} on embedded Tomcat. */
class TomcatCdiTest extends CdiSuite {
    @Override
    Container container() {
        return Container.TOMCAT;
    }
}
