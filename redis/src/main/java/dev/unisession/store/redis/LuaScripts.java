package dev.unisession.store.redis;

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

    // Each script describes its KEYS, ARGV and answers: a write (create or change, with its epoch and read guards,
    // index updates and change notice), a delete, taking a hash, claiming a due id, counting and listing due ids of
    // the expiry index, a SCAN, the generation check and adopting a generation.
    static final String WRITE = load("write");
    /**
     * {@link #WRITE}'s SHA-1, sent as EVALSHA by the store's writes: Redisson's EVAL copies every argument into a
     * new buffer per call, for its own resend as EVAL should Redis answer NOSCRIPT (1.5 % of a new session's CPU in
     * bench/results/jfr-create.md); {@link RedisCalls#call} loads the scripts and resends itself instead.
     */
    static final String WRITE_SHA = sha1Hex(WRITE);

    static final String DELETE = load("delete");
    static final String TAKE = load("take");
    static final String CLAIM = load("claim");
    static final String COUNT = load("count");
    static final String DUE = load("due");
    static final String SCAN = load("scan");
    static final String CHECK = load("check");
    static final String ADOPT = load("adopt");
    /** Loaded again when Redis answers NOSCRIPT (the others Redisson sends as EVAL when it must). */
    static final List<String> RESENT = List.of(WRITE, DELETE, TAKE, CLAIM, SCAN);

    private LuaScripts() {}

    /** A script's SHA-1 as Redis names it (lower-case hex of its UTF-8 bytes). */
    static String sha1Hex(String script) {
        try {
            return java.util.HexFormat.of()
                    .formatHex(java.security.MessageDigest.getInstance("SHA-1")
                            .digest(script.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is a required JDK algorithm", e);
        }
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
