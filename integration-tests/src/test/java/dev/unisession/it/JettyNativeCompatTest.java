package dev.unisession.it;

/** {@link CompatSuite} on embedded Jetty, sessions: Native. */
class JettyNativeCompatTest extends CompatSuite {
    @Override
    Container container() {
        return Container.JETTY;
    }

    @Override
    Mode mode() {
        return Mode.NATIVE;
    }
}
