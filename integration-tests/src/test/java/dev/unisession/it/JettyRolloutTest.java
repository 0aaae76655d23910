package dev.unisession.it;

/** {@link RolloutSuite} on embedded Jetty. */
class JettyRolloutTest extends RolloutSuite {
    @Override
    Container container() {
        return Container.JETTY;
    }
}
