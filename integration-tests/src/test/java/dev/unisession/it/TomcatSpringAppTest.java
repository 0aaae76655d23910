package dev.unisession.it;

/** {@link SpringAppSuite} on embedded Tomcat. */
class TomcatSpringAppTest extends SpringAppSuite {
    @Override
    Container container() {
        return Container.TOMCAT;
    }
}
