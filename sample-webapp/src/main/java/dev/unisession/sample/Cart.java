package dev.unisession.sample;

import jakarta.enterprise.context.SessionScoped;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The shopping cart: a CDI {@code @SessionScoped} bean. With unisession's CDI module it lives in the unified
 * session, so it follows the user to another node and survives a restart.
 */
@SessionScoped
public class Cart implements Serializable {
    private static final long serialVersionUID = 1L;
    private final List<String> items = new ArrayList<>();

    public void add(String item) {
        items.add(item);
    }

    public List<String> items() {
        return Collections.unmodifiableList(new ArrayList<>(items));
    }

    public void clear() {
        items.clear();
    }
}
