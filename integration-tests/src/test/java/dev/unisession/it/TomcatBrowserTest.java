package dev.unisession.it;

/** {@link BrowserSuite} on embedded Tomcat. */
class TomcatBrowserTest extends BrowserSuite {
    @Override
    Container container() {
        return Container.TOMCAT;
    }
}
