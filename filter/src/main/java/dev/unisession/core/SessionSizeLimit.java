package dev.unisession.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The limit on the bytes a session stores ({@code unisession.codec.max-session-bytes}): a {@code setAttribute} that
 * would pass it fails, and changes made in place to values already set that would pass it are not stored.
 */
final class SessionSizeLimit {
    private static final System.Logger LOG = System.getLogger(ActiveSession.class.getName());

    private SessionSizeLimit() {}

    /**
     * Fails a {@code setAttribute(name, value)} whose {@code bytes} would make the session larger than {@code max}:
     * the other attributes count as set in this request ({@code set}) or else as stored.
     */
    static void checkSet(
            int max,
            String name,
            byte[] bytes,
            Set<String> names,
            Map<String, byte[]> set,
            Map<String, byte[]> stored) {
        long total = bytes.length;
        for (String n : names) {
            if (!n.equals(name)) total += size(set.containsKey(n) ? set.get(n) : stored.get(n));
        }
        if (total > max) {
            throw new IllegalArgumentException("Session attribute '" + name + "' would make the session " + total
                    + " bytes stored; the limit is " + max + " (unisession.codec.max-session-bytes)");
        }
    }

    /**
     * The limit for changes made in place ({@code setAttribute} checks the ones it is given): if the state after this
     * commit would exceed {@code max}, the attributes changed in place ({@code inPlace}) are taken out of
     * {@code changed}, so they keep their stored values, and the refusal is logged; nothing is cut short.
     */
    static void refuseInPlace(
            int max, Map<String, byte[]> changed, List<String> inPlace, Set<String> names, Map<String, byte[]> stored) {
        long total = 0;
        for (String name : names) total += size(changed.containsKey(name) ? changed.get(name) : stored.get(name));
        if (total <= max) return;
        List<String> refused = new ArrayList<>();
        for (String name : inPlace) {
            if (changed.remove(name) != null) refused.add(name);
        }
        LOG.log(
                System.Logger.Level.ERROR,
                "Session attributes {0} were changed in place so that the session would "
                        + "hold {1} bytes, over unisession.codec.max-session-bytes ({2}): their changes are not stored (the "
                        + "stored values are kept)",
                refused,
                total,
                max);
    }

    private static long size(byte[] b) {
        return b == null ? 0 : b.length;
    }
}
