package dev.unisession.it;

/** {@link ApiSuite} on embedded Tomcat. */
class TomcatApiTest extends ApiSuite {
    @Override
    Container container() {
        return Container.TOMCAT;
    }
}
