package dev.unisession.web;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;

/**
 * Runs a hook once, just before the response can commit: on flushBuffer, sendRedirect, sendError, stream or writer
 * flush/close, and before a write that would fill the container's buffer or reach the declared Content-Length.
 * The hook saves the session and sets the cookie while headers can still be sent.
 */
final class SessionResponse extends HttpServletResponseWrapper {

    /** Upper bound of bytes per char in any encoding we will meet; counting chars this way commits early, never late. */
    private static final int MAX_BYTES_PER_CHAR = 4;

    private final Runnable beforeCommit;
    private boolean fired;
    /**
     * The hook failed (the session's changes could not be saved): the application's response is discarded from now
     * on — output, status, headers, errors, redirects — so that the filter can answer 503 in its place.
     */
    private boolean failed;

    private long written;
    private long contentLength = -1;
    private GuardedOutputStream stream;
    private PrintWriter writer;

    SessionResponse(HttpServletResponse response, Runnable beforeCommit) {
        super(response);
        this.beforeCommit = beforeCommit;
    }

    /**
     * Runs the hook if it has not run yet. A store failure in the hook is thrown to the application (from the flush,
     * redirect or write that triggered it), and the response is discarded from then on.
     */
    void fire() {
        if (!fired) {
            fired = true;
            try {
                beforeCommit.run();
            } catch (dev.unisession.store.StoreUnavailableException e) {
                failed = true;
                throw e;
            }
        }
    }

    private void beforeWrite(long bytes) {
        if (fired) return;
        long limit = getBufferSize();
        long next = written + bytes;
        if (next >= limit || (contentLength >= 0 && next >= contentLength)) fire();
        written = next;
    }

    @Override
    public void flushBuffer() throws IOException {
        fire();
        if (!failed) super.flushBuffer();
    }

    @Override
    public void sendRedirect(String location) throws IOException {
        fire();
        if (!failed) super.sendRedirect(location);
    }

    @Override
    public void sendRedirect(String location, int sc) throws IOException {
        fire();
        if (!failed) super.sendRedirect(location, sc);
    }

    @Override
    public void sendRedirect(String location, boolean clearBuffer) throws IOException {
        fire();
        if (!failed) super.sendRedirect(location, clearBuffer);
    }

    @Override
    public void sendRedirect(String location, int sc, boolean clearBuffer) throws IOException {
        fire();
        if (!failed) super.sendRedirect(location, sc, clearBuffer);
    }

    @Override
    public void sendError(int sc, String msg) throws IOException {
        fire();
        if (!failed) super.sendError(sc, msg);
    }

    @Override
    public void sendError(int sc) throws IOException {
        fire();
        if (!failed) super.sendError(sc);
    }

    @Override
    public void addCookie(jakarta.servlet.http.Cookie cookie) {
        if (!failed) super.addCookie(cookie);
    }

    @Override
    public void setStatus(int sc) {
        if (!failed) super.setStatus(sc);
    }

    @Override
    public void setContentLength(int len) {
        super.setContentLength(len);
        contentLength = len;
    }

    @Override
    public void setContentLengthLong(long len) {
        super.setContentLengthLong(len);
        contentLength = len;
    }

    @Override
    public void setHeader(String name, String value) {
        if (failed) return;
        super.setHeader(name, value);
        trackContentLength(name, value);
    }

    @Override
    public void addHeader(String name, String value) {
        if (failed) return;
        super.addHeader(name, value);
        trackContentLength(name, value);
    }

    @Override
    public void setIntHeader(String name, int value) {
        if (failed) return;
        super.setIntHeader(name, value);
        trackContentLength(name, String.valueOf(value));
    }

    private void trackContentLength(String name, String value) {
        if ("Content-Length".equalsIgnoreCase(name)) {
            try {
                contentLength = value == null ? -1 : Long.parseLong(value.trim());
            } catch (NumberFormatException e) {
                contentLength = -1;
            }
        }
    }

    @Override
    public void reset() {
        super.reset();
        written = 0;
        contentLength = -1;
    }

    @Override
    public void resetBuffer() {
        super.resetBuffer();
        written = 0;
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
        if (stream == null) stream = new GuardedOutputStream(super.getOutputStream());
        return stream;
    }

    @Override
    public PrintWriter getWriter() throws IOException {
        if (writer == null) writer = new PrintWriter(new GuardedWriter(super.getWriter()), false);
        return writer;
    }

    private final class GuardedOutputStream extends ServletOutputStream {
        private final ServletOutputStream delegate;

        GuardedOutputStream(ServletOutputStream delegate) {
            this.delegate = delegate;
        }

        @Override
        public void write(int b) throws IOException {
            beforeWrite(1);
            if (!failed) delegate.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            beforeWrite(len);
            if (!failed) delegate.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            fire();
            if (!failed) delegate.flush();
        }

        @Override
        public void close() throws IOException {
            fire();
            if (!failed) delegate.close();
        }

        @Override
        public boolean isReady() {
            return delegate.isReady();
        }

        @Override
        public void setWriteListener(WriteListener writeListener) {
            delegate.setWriteListener(writeListener);
        }
    }

    private final class GuardedWriter extends Writer {
        private final PrintWriter delegate;

        GuardedWriter(PrintWriter delegate) {
            this.delegate = delegate;
        }

        @Override
        public void write(int c) {
            beforeWrite(MAX_BYTES_PER_CHAR);
            if (!failed) delegate.write(c);
        }

        @Override
        public void write(char[] cbuf, int off, int len) {
            beforeWrite((long) len * MAX_BYTES_PER_CHAR);
            if (!failed) delegate.write(cbuf, off, len);
        }

        @Override
        public void write(String str, int off, int len) {
            beforeWrite((long) len * MAX_BYTES_PER_CHAR);
            if (!failed) delegate.write(str, off, len);
        }

        @Override
        public void flush() {
            fire();
            if (!failed) delegate.flush();
        }

        @Override
        public void close() {
            fire();
            if (!failed) delegate.close();
        }
    }
}
