package dev.unisession.it;

/** {@link SecuritySuite} on embedded Jetty. */
class JettySecurityTest extends SecuritySuite {
    @Override
    Container container() {
        return Container.JETTY;
    }
}
