package dev.unisession.it;

/** {@link SessionSuite} on embedded Tomcat 11. */
class TomcatSessionTest extends SessionSuite {
    @Override
    Container container() {
        return Container.TOMCAT;
    }
}
