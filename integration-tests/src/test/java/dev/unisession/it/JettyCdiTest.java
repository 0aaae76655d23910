package dev.unisession.it;

/** {@link CdiSuite} on embedded Jetty. */
class JettyCdiTest extends CdiSuite {
    @Override
    Container container() {
        return Container.JETTY;
    }
}
