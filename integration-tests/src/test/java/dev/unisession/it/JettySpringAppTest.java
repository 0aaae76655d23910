package dev.unisession.it;

/** {@link SpringAppSuite} on embedded Jetty. */
class JettySpringAppTest extends SpringAppSuite {
    @Override
    Container container() {
        return Container.JETTY;
    }
}
