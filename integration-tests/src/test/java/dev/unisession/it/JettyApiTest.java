package dev.unisession.it;

/** {@link ApiSuite} on embedded Jetty. */
class JettyApiTest extends ApiSuite {
    @Override
    Container container() {
        return Container.JETTY;
    }
}
