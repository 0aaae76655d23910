package dev.unisession.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Entry point of the bench jar (driven by bench/run.sh):
 * <ul>
 *   <li>{@code serve SETUP PORT} — runs one setup; unisession settings come from {@code UNISESSION_*}
 *       variables as usual;</li>
 *   <li>{@code seed URL N FILE} — makes N sessions and writes one Cookie header per line;</li>
 *   <li>{@code report TSV MD PNG} — the Markdown table and bar chart from the collected figures;</li>
 *   <li>anything else is passed to JMH.</li>
 * </ul>
 */
public final class Bench {

    private Bench() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("serve") && args[1].equals("redisson-tomcat")) {
            RedissonTomcatSetup.serve(Integer.parseInt(args[2]));
        } else if (args.length > 0 && args[0].equals("serve")) {
            Setups.serve(args[1], Integer.parseInt(args[2]), Map.of());
        } else if (args.length > 0 && args[0].equals("seed")) {
            seed(URI.create(args[1]), Integer.parseInt(args[2]), Path.of(args[3]));
        } else if (args.length > 0 && args[0].equals("report")) {
            Report.write(Path.of(args[1]), Path.of(args[2]), Path.of(args[3]));
        } else {
            org.openjdk.jmh.Main.main(args);
        }
    }

    /** Makes sessions over HTTP, 32 at a time, and keeps each one's cookies. */
    static void seed(URI base, int n, Path file) throws Exception {
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ExecutorService pool = Executors.newFixedThreadPool(32);
        List<Future<String>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            fs.add(pool.submit(() -> {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(base.resolve("/bench?op=seed")).build(),
                        HttpResponse.BodyHandlers.ofString());
                List<String> cookies = new ArrayList<>();
                for (String h : r.headers().allValues("set-cookie")) cookies.add(h.substring(0, h.indexOf(';')));
                if (r.statusCode() != 200 || cookies.isEmpty()) throw new IOException("seed failed: " + r.statusCode());
                return String.join("; ", cookies);
            }));
        }
        List<String> lines = new ArrayList<>();
        for (Future<String> f : fs) lines.add(f.get());
        pool.shutdown();
        Files.write(file, lines);
    }

    /** Parsed figures of one setup. */
    record Row(String setup, double rps, double p50, double p99, double redisPerRequest, double dbPerRequest) {
        static Row parse(String line) {
            String[] f = line.split("\t");
            return new Row(
                    f[0],
                    Double.parseDouble(f[1]),
                    Double.parseDouble(f[2]),
                    Double.parseDouble(f[3]),
                    Double.parseDouble(f[4]),
                    Double.parseDouble(f[5]));
        }
    }

    static Map<String, Row> rows(Path tsv) throws IOException {
        Map<String, Row> out = new java.util.LinkedHashMap<>();
        for (String line : Files.readAllLines(tsv)) {
            if (!line.isBlank()) {
                Row r = Row.parse(line);
                out.put(r.setup(), r);
            }
        }
        return out;
    }

    static final Map<String, String> LABELS = new HashMap<>(Map.of(
            "client", "load client ceiling (no session)",
            "native", "Jetty 12, container sessions (no filter)",
            "memory", "Jetty 12 + unisession memory",
            "tiered", "Jetty 12 + unisession tiered (Redis + PostgreSQL)",
            "spring", "Jetty 12 + Spring Session Data Redis 4.0.4",
            "tomcat-tiered", "Tomcat 11 + unisession tiered",
            "redisson-tomcat", "Tomcat 10.1 + Redisson Tomcat manager 3.37.0"));
}
