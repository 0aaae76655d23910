package dev.unisession.it;

/** {@link CompatSuite} on embedded Tomcat, sessions: Redis. */
class TomcatRedisCompatTest extends CompatSuite {
    @Override
    Container container() {
        return Container.TOMCAT;
    }

    @Override
    Mode mode() {
        return Mode.REDIS;
    }
}
