package dev.unisession.it;

import java.net.URI;

/** A started container; close() stops it. */
public final class RunningServer implements AutoCloseable {

    interface Stopper {
        void stop() throws Exception;
    }

    private final Container container;
    private final URI base;
    private final Stopper stopper;

    RunningServer(Container container, URI base, Stopper stopper) {
        this.container = container;
        this.base = base;
        this.stopper = stopper;
    }

    public URI uri(String pathAndQuery) {
        return base.resolve(pathAndQuery);
    }

    public Container container() {
        return container;
    }

    @Override
    public void close() throws Exception {
        stopper.stop();
    }
}
