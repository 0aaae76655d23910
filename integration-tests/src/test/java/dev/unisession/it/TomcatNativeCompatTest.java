package dev.unisession.it;

/** {@link CompatSuite} on embedded Tomcat, sessions: Native. */
class TomcatNativeCompatTest extends CompatSuite {
    @Override
    Container container() {
        return Container.TOMCAT;
    }

    @Override
    Mode mode() {
        return Mode.NATIVE;
    }
}
