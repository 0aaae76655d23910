package dev.unisession.it.app;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/** An application class kept in the session (WEB-INF/classes: allowed without configuration). */
public class Cart implements Serializable {
    private static final long serialVersionUID = 1L;
    private final List<String> items = new ArrayList<>();

    public void add(String item) {
        items.add(item);
    }

    @Override
    public String toString() {
        return "Cart" + items;
    }
}
