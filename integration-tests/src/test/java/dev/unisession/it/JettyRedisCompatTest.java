package dev.unisession.it;

/** {@link CompatSuite} on embedded Jetty, sessions: Redis. */
class JettyRedisCompatTest extends CompatSuite {
    @Override
    Container container() {
        return Container.JETTY;
    }

    @Override
    Mode mode() {
        return Mode.REDIS;
    }
}
