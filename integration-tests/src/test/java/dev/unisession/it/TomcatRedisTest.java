package dev.unisession.it;

/** {@link RedisSuite} on embedded Tomcat. */
class TomcatRedisTest extends RedisSuite {
    @Override
    Container container() {
        return Container.TOMCAT;
    }
}
