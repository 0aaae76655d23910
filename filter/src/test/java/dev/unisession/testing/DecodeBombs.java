package dev.unisession.testing;

import java.util.HashSet;
import java.util.Set;

/** Hostile values for the codec's decoding bounds (issue 20, finding 2). */
public final class DecodeBombs {

    private DecodeBombs() {}

    /**
     * Two sets per level, each holding both sets of the next level: a few dozen bytes per level serialized, but
     * reading it back hashes the root's elements in 2^depth steps.
     */
    public static Set<Object> setBomb(int depth) {
        Set<Object> root = new HashSet<>();
        Set<Object> s1 = root;
        Set<Object> s2 = new HashSet<>();
        for (int i = 0; i < depth; i++) {
            Set<Object> t1 = new HashSet<>();
            Set<Object> t2 = new HashSet<>();
            t1.add("foo");
            s1.add(t1);
            s1.add(t2);
            s2.add(t1);
            s2.add(t2);
            s1 = t1;
            s2 = t2;
        }
        return root;
    }
}
