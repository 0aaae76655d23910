package dev.unisession.it;

/** {@link HealthSuite} on embedded Tomcat. */
class TomcatHealthTest extends HealthSuite {
    @Override
    Container container() {
        return Container.TOMCAT;
    }
}
