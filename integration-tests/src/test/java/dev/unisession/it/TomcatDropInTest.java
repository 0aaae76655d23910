package dev.unisession.it;

/** {@link DropInSuite} on embedded Tomcat. */
class TomcatDropInTest extends DropInSuite {
    @Override
    Container container() {
        return Container.TOMCAT;
    }
}
