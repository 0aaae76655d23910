package dev.unisession.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP proxy in front of one local port, to cut a single client off from a server (a network partition
 * for that client only) and to let it through again. {@link #cut()} closes every connection under way and stops
 * listening, so that new connections are refused; {@link #restore()} listens again on the same port.
 */
public final class TcpProxy implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(TcpProxy.class.getName());
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final int targetPort;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicBoolean dropReply = new java.util.concurrent.atomic.AtomicBoolean();
    private int port;
    private ServerSocket server;
    private boolean closed;

    public TcpProxy(int targetPort) {
        this.targetPort = targetPort;
        listen(0);
    }

    /** The port the proxy listens on (the same after {@link #restore()}). */
    public synchronized int port() {
        return port;
    }

    /**
     * Loses the next reply: the next bytes the server sends back (whatever one read returns) are not passed on, as
     * if a reply was lost after its command ran.
     */
    public void dropNextReply() {
        dropReply.set(true);
    }

    /** Closes every connection under way and refuses new ones until {@link #restore()}. */
    public synchronized void cut() {
        closeServer();
        closeConnections();
    }

    /** Listens again on the same port after {@link #cut()}; nothing if it listens already. */
    public synchronized void restore() {
        if (closed) throw new IllegalStateException("closed");
        if (server != null) return;
        listen(port);
    }

    @Override
    public synchronized void close() {
        closed = true;
        closeServer();
        closeConnections();
    }

    private void listen(int onPort) {
        IOException last = null;
        // The port may be briefly unavailable right after the listening socket was closed: retry a little.
        for (int attempt = 0; attempt < 50; attempt++) {
            ServerSocket s = null;
            try {
                s = new ServerSocket();
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(LOOPBACK, onPort), 50);
                server = s;
                port = s.getLocalPort();
                ServerSocket listening = s;
                Thread acceptor = new Thread(() -> accept(listening), "tcp-proxy-accept-" + port);
                acceptor.setDaemon(true);
                acceptor.start();
                return;
            } catch (IOException e) {
                last = e;
                closeQuietly(s);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        throw new UncheckedIOException("cannot listen on 127.0.0.1:" + onPort, last);
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            Socket client;
            try {
                client = s.accept();
            } catch (IOException e) {
                return; // closed by cut() or close()
            }
            Socket upstream = new Socket();
            try {
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                upstream.connect(new InetSocketAddress(LOOPBACK, targetPort), 2_000);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "tcp proxy: cannot reach port {0}: {1}", targetPort, e);
                closeQuietly(client);
                closeQuietly(upstream);
                continue;
            }
            synchronized (this) {
                if (server != s) { // cut (or closed) meanwhile: this connection must not live on
                    closeQuietly(client);
                    closeQuietly(upstream);
                    return;
                }
                sockets.add(client);
                sockets.add(upstream);
            }
            pump(client, upstream, "up");
            pump(upstream, client, "down");
        }
    }

    private void pump(Socket from, Socket to, String direction) {
        Thread t = new Thread(
                () -> {
                    byte[] buffer = new byte[16 * 1024];
                    try {
                        InputStream in = from.getInputStream();
                        OutputStream out = to.getOutputStream();
                        for (int n; (n = in.read(buffer)) >= 0; ) {
                            if (direction.equals("down") && dropReply.compareAndSet(true, false)) continue;
                            out.write(buffer, 0, n);
                            out.flush();
                        }
                    } catch (IOException e) {
                        // closed by the other side, by the other pump or by cut()
                    } finally {
                        closeQuietly(from);
                        closeQuietly(to);
                        sockets.remove(from);
                        sockets.remove(to);
                    }
                },
                "tcp-proxy-" + direction + "-" + from.getLocalPort());
        t.setDaemon(true);
        t.start();
    }

    private void closeServer() {
        closeQuietly(server);
        server = null;
    }

    private void closeConnections() {
        for (Socket s : sockets) closeQuietly(s);
        sockets.clear();
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (Exception e) {
            // already closed
        }
    }
}
