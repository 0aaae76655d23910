package dev.unisession.sample;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The shopping cart, kept in the session and changed in place. */
public final class Cart implements Serializable {
    private static final long serialVersionUID = 1L;
    private final List<String> items = new ArrayList<>();

    public void add(String item) {
        items.add(item);
    }

    public List<String> items() {
        return Collections.unmodifiableList(items);
    }

    public void clear() {
        items.clear();
    }
}
