package dev.unisession.it;

/** {@link DropInSuite} on embedded Jetty. */
class JettyDropInTest extends DropInSuite {
    @Override
    Container container() {
        return Container.JETTY;
    }
}
