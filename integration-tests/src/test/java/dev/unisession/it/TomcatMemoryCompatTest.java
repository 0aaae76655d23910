package dev.unisession.it;

/** {@link CompatSuite} on embedded Tomcat, sessions: Memory. */
class TomcatMemoryCompatTest extends CompatSuite {
    @Override
    Container container() {
        return Container.TOMCAT;
    }

    @Override
    Mode mode() {
        return Mode.MEMORY;
    }
}
