package dev.unisession.it;

/** {@link TieredSuite} on embedded Jetty. */
class JettyTieredTest extends TieredSuite {
    @Override
    Container container() {
        return Container.JETTY;
    }
}
