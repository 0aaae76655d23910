package dev.unisession.bench;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/** Turns the collected figures into a Markdown table with ratios and a PNG bar chart. */
final class Report {

    private Report() {}

    static void write(Path tsv, Path md, Path png) throws IOException {
        Map<String, Bench.Row> rows = Bench.rows(tsv);
        Bench.Row nat = rows.get("native");
        Bench.Row spring = rows.get("spring");
        StringBuilder sb = new StringBuilder();
        sb.append("| setup | req/s | × native | × Spring Session | p50 ms | p99 ms | Redis cmds/req | DB tx/req |\n");
        sb.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Bench.Row r : rows.values()) {
            sb.append(String.format(
                    Locale.ROOT,
                    "| %s | %.0f | %s | %s | %.2f | %.2f | %.3f | %.3f |%n",
                    Bench.LABELS.getOrDefault(r.setup(), r.setup()),
                    r.rps(),
                    nat == null ? "–" : String.format(Locale.ROOT, "%.2f", r.rps() / nat.rps()),
                    spring == null ? "–" : String.format(Locale.ROOT, "%.2f", r.rps() / spring.rps()),
                    r.p50(),
                    r.p99(),
                    r.redisPerRequest(),
                    r.dbPerRequest()));
        }
        Files.createDirectories(md.toAbsolutePath().getParent());
        Files.writeString(md, sb.toString());
        chart(rows, png);
        System.out.print(sb);
    }

    private static void chart(Map<String, Bench.Row> rows, Path png) throws IOException {
        int w = 900;
        int barH = 34;
        int h = 60 + rows.size() * (barH + 14);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.DARK_GRAY);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString("Requests per second (90 % reads, 64 clients, one machine)", 20, 28);
        double max = rows.values().stream().mapToDouble(Bench.Row::rps).max().orElse(1);
        int y = 50;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (Bench.Row r : rows.values()) {
            int len = (int) ((w - 420) * r.rps() / max);
            g.setColor(
                    r.setup().contains("tiered") || r.setup().equals("memory")
                            ? new Color(0x2E7D32)
                            : new Color(0x9E9E9E));
            g.fillRect(330, y, Math.max(len, 1), barH);
            g.setColor(Color.BLACK);
            g.drawString(Bench.LABELS.getOrDefault(r.setup(), r.setup()), 10, y + 21);
            g.drawString(String.format(Locale.ROOT, "%.0f", r.rps()), 336 + len, y + 21);
            y += barH + 14;
        }
        g.dispose();
        ImageIO.write(img, "png", png.toFile());
    }
}
