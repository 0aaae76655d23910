package dev.unisession.it;

/** {@link MetricsSuite} on embedded Jetty. */
class JettyMetricsTest extends MetricsSuite {
    @Override
    Container container() {
        return Container.JETTY;
    }
}
