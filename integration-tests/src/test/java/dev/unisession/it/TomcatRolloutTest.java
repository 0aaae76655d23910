package dev.unisession.it;

/** {@link RolloutSuite} on embedded Tomcat. */
class TomcatRolloutTest extends RolloutSuite {
    @Override
    Container container() {
        return Container.TOMCAT;
    }
}
