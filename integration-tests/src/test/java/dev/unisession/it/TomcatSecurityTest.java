package dev.unisession.it;

/** {@link SecuritySuite} on embedded Tomcat. */
class TomcatSecurityTest extends SecuritySuite {
    @Override
    Container container() {
        return Container.TOMCAT;
    }
}
