package dev.unisession.it;

/** {@link MetricsSuite} on embedded Tomcat. */
class TomcatMetricsTest extends MetricsSuite {
    @Override
    Container container() {
        return Container.TOMCAT;
    }
}
