package dev.unisession.it;

/** {@link CompatSuite} on embedded Tomcat, sessions: Tiered. */
class TomcatTieredCompatTest extends CompatSuite {
    @Override
    Container container() {
        return Container.TOMCAT;
    }

    @Override
    Mode mode() {
        return Mode.TIERED;
    }
}
