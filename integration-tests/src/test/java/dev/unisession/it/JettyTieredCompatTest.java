package dev.unisession.it;

/** {@link CompatSuite} on embedded Jetty, sessions: Tiered. */
class JettyTieredCompatTest extends CompatSuite {
    @Override
    Container container() {
        return Container.JETTY;
    }

    @Override
    Mode mode() {
        return Mode.TIERED;
    }
}
