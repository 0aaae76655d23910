package dev.unisession.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The Lua scripts of the Redis store, kept as resources ({@code META-INF/unisession/redis/*.lua}, each with its
 * KEYS and ARGV described at its head) and read once. Comment lines are left out of the text sent to Redis; a line
 * {@code --#include NAME A B C} stands for the lines of {@code NAME.lua} with {@code $1}, {@code $2}, {@code $3}
 * replaced by the arguments (the generation check and the take of a hash are shared by two scripts each).
 */
final class LuaScripts {

    private static final String DIR = "/META-INF/unisession/redis/";
    private static final String INCLUDE = "--#include ";

    private LuaScripts() {
    }

    /** The script {@code name.lua}, includes expanded, comment lines left out. */
    static String load(String name) {
        return String.join("\n", lines(name, List.of()));
    }

    private static List<String> lines(String name, List<String> args) {
        List<String> out = new ArrayList<>();
        for (String line : read(name).split("\n")) {
            String trimmed = line.trim();
            if (trimmed.startsWith(INCLUDE)) {
                String[] parts = trimmed.substring(INCLUDE.length()).trim().split("\\s+");
                out.addAll(lines(parts[0], List.of(parts).subList(1, parts.length)));
            } else if (!trimmed.isEmpty() && !trimmed.startsWith("--")) {
                for (int i = 0; i < args.size(); i++) line = line.replace("$" + (i + 1), args.get(i));
                if (line.contains("$")) throw new IllegalStateException(name + ".lua: an argument is missing: " + line);
                out.add(line);
            }
        }
        return out;
    }

    private static String read(String name) {
        try (InputStream in = LuaScripts.class.getResourceAsStream(DIR + name + ".lua")) {
            if (in == null) throw new IllegalStateException("The jar lacks " + DIR + name + ".lua");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
