package dev.unisession.it;

/** {@link BrowserSuite} on embedded Jetty. */
class JettyBrowserTest extends BrowserSuite {
    @Override
    Container container() {
        return Container.JETTY;
    }
}
