package dev.unisession.sample;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.Map;

/** The products on sale (an application-scoped CDI bean). */
@ApplicationScoped
public class Catalog {

    /** One product: its id, name, price in cents and a line of description. */
    public record Product(String id, String name, int cents, String blurb) {
        public String price() {
            return String.format("%d.%02d", cents / 100, cents % 100);
        }
    }

    private final Map<String, Product> products = new LinkedHashMap<>();

    public Catalog() {
        add(new Product("apple", "Apple", 120, "Crisp, from the orchard up the hill."));
        add(new Product("pear", "Pear", 150, "Sweet and soft, ripe this week."));
        add(new Product("plum", "Plum", 90, "Dark plums for jam or for the road."));
        add(new Product("cherry", "Cherries", 420, "A punnet of early cherries."));
    }

    private void add(Product p) {
        products.put(p.id(), p);
    }

    public Iterable<Product> all() {
        return products.values();
    }

    /** The product, or null. */
    public Product find(String id) {
        return id == null ? null : products.get(id);
    }
}
