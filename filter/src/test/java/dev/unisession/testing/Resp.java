package dev.unisession.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal RESP client on a plain socket, for tests to look at Redis without going through Redisson
 * (INFO commandstats, HGETALL, KEYS). One connection per call.
 */
public final class Resp {

    private final String host;
    private final int port;

    public Resp(int port) {
        this("127.0.0.1", port);
    }

    public Resp(String host, int port) {
        this.host = host;
        this.port = port;
    }

    /** Sends one command and returns the reply: String, Long, byte[] (bulk), List (array) or null. */
    public Object call(Object... args) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 1000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            ByteArrayOutputStream req = new ByteArrayOutputStream();
            req.write(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            for (Object a : args) {
                byte[] b = a instanceof byte[] ? (byte[]) a : String.valueOf(a).getBytes(StandardCharsets.UTF_8);
                req.write(("$" + b.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                req.write(b);
                req.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write(req.toByteArray());
            out.flush();
            return read(new BufferedInputStream(s.getInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean ping() {
        try {
            return "PONG".equals(call("PING"));
        } catch (UncheckedIOException e) {
            return false;
        }
    }

    /** Calls of every command so far, from INFO commandstats (e.g. "hgetall" -> 3). */
    public Map<String, Long> commandCalls() {
        String info = new String((byte[]) call("INFO", "commandstats"), StandardCharsets.UTF_8);
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : info.split("\r\n")) {
            if (!line.startsWith("cmdstat_")) continue;
            String name = line.substring(8, line.indexOf(':'));
            int i = line.indexOf("calls=") + 6;
            out.put(name, Long.parseLong(line.substring(i, line.indexOf(',', i))));
        }
        return out;
    }

    /** The fields and values of a hash. */
    @SuppressWarnings("unchecked")
    public Map<String, byte[]> hgetall(String key) {
        List<Object> flat = (List<Object>) call("HGETALL", key);
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            out.put(new String((byte[]) flat.get(i), StandardCharsets.UTF_8), (byte[]) flat.get(i + 1));
        }
        return out;
    }

    /** Keys matching a pattern (tests only: KEYS is fine on a test database). */
    @SuppressWarnings("unchecked")
    public List<String> keys(String pattern) {
        List<String> out = new ArrayList<>();
        for (Object o : (List<Object>) call("KEYS", pattern)) out.add(new String((byte[]) o, StandardCharsets.UTF_8));
        return out;
    }

    /** Deletes every key matching the pattern. */
    public void deleteAll(String pattern) {
        for (String k : keys(pattern)) call("DEL", k);
    }

    private static Object read(InputStream in) throws IOException {
        int type = in.read();
        String line = line(in);
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new IllegalStateException("Redis error: " + line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int n = Integer.parseInt(line);
                if (n < 0) return null;
                byte[] b = in.readNBytes(n);
                in.readNBytes(2);
                return b;
            }
            case '*': {
                int n = Integer.parseInt(line);
                if (n < 0) return null;
                List<Object> items = new ArrayList<>(n);
                for (int i = 0; i < n; i++) items.add(read(in));
                return items;
            }
            default:
                throw new IOException("unexpected RESP type " + (char) type);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) throw new IOException("connection closed");
            sb.append((char) c);
        }
        in.read();
        return sb.toString();
    }
}
