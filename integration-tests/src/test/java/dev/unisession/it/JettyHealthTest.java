package dev.unisession.it;

/** {@link HealthSuite} on embedded Jetty. */
class JettyHealthTest extends HealthSuite {
    @Override
    Container container() {
        return Container.JETTY;
    }
}
