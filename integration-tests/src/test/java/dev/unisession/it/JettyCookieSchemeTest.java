package dev.unisession.it;

/** {@link CookieSchemeSuite} on embedded Jetty. */
class JettyCookieSchemeTest extends CookieSchemeSuite {
    @Override
    Container container() {
        return Container.JETTY;
    }
}
