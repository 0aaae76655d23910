package dev.unisession.it;

/** {@link CompatSuite} on embedded Jetty, sessions: Memory. */
class JettyMemoryCompatTest extends CompatSuite {
    @Override
    Container container() {
        return Container.JETTY;
    }

    @Override
    Mode mode() {
        return Mode.MEMORY;
    }
}
