package dev.unisession.it;

import java.net.URI;

/** A started container; close() stops it. */
public final class RunningServer implements AutoCloseable {

    interface Stopper {
        void stop() throws Exception;
    }

    private final Container container;
    private final URI base;
    /** The HTTPS connector's address, or null. */
    private final URI secureBase;

    private final Stopper stopper;

    RunningServer(Container container, URI base, Stopper stopper) {
        this(container, base, null, stopper);
    }

    RunningServer(Container container, URI base, URI secureBase, Stopper stopper) {
        this.container = container;
        this.base = base;
        this.secureBase = secureBase;
        this.stopper = stopper;
    }

    public URI uri(String pathAndQuery) {
        return base.resolve(pathAndQuery);
    }

    /**
     * The address under another host name (that the client maps to 127.0.0.1), over plain HTTP or, when the server
     * has an HTTPS connector, over HTTPS.
     */
    public URI uri(boolean https, String host, String pathAndQuery) {
        URI on = https ? secureBase : base;
        if (on == null) throw new IllegalStateException("started without an HTTPS connector");
        return URI.create(on.getScheme() + "://" + host + ":" + on.getPort()).resolve(pathAndQuery);
    }

    public Container container() {
        return container;
    }

    @Override
    public void close() throws Exception {
        stopper.stop();
    }
}
