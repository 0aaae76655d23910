package dev.unisession.it;

/** {@link RedisSuite} on embedded Jetty. */
class JettyRedisTest extends RedisSuite {
    @Override
    Container container() {
        return Container.JETTY;
    }
}
