package dev.unisession.it;

/** {@link CookieSchemeSuite} on embedded Tomcat. */
class TomcatCookieSchemeTest extends CookieSchemeSuite {
    @Override
    Container container() {
        return Container.TOMCAT;
    }
}
