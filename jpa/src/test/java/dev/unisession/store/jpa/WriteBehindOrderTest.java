package dev.unisession.store.jpa;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The write-behind flush writes its batch in id order so that nodes flushing the same sessions lock their rows in one
 * order (any other order lets their transactions deadlock). Nodes of different versions flush side by side during a
 * rolling upgrade, so the order must stay exactly {@link String#compareTo}'s, whatever the sort does to be fast.
 */
class WriteBehindOrderTest {

    @Test
    void batchesAreSortedExactlyAsStringsCompare() {
        Random random = new Random(42);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            StringBuilder b = new StringBuilder();
            int length = 22;
            for (int c = 0; c < length; c++) b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            ids.add(b.toString());
        }
        // Ids sharing their first four chars (the sort's key) and more, prefixes of each other, short and empty ones,
        // chars beyond Latin-1 and above 0x8000 (an imported id may hold anything), and duplicates.
        ids.addAll(List.of(
                "abcd",
                "abcdX",
                "abcdA",
                "abcdAB",
                "abc",
                "ab",
                "a",
                "",
                "abcd",
                "ABCDxyz",
                "\u00e9t\u00e9",
                "\u00e9",
                "z\uffff",
                "z\u8000a",
                "z\u7fffa",
                "\uffff\uffff\uffff\uffff",
                "\u0001",
                "abcdefghij",
                "abcdefghik",
                "abcdefghi"));
        Collections.shuffle(ids, random);

        List<String> expected = new ArrayList<>(ids);
        Collections.sort(expected);
        List<String> sorted = new ArrayList<>(ids);
        IdOrder.sort(sorted, s -> s);

        assertEquals(expected, sorted);
    }

    @Test
    void itemsKeepTheirIds() {
        record Item(String id, int n) {}
        List<Item> items =
                new ArrayList<>(List.of(new Item("b", 1), new Item("a", 2), new Item("c", 3), new Item("a", 4)));
        IdOrder.sort(items, Item::id);
        // Every item kept, each with its own id; equal ids in the order they came (the sort is stable).
        assertEquals(List.of(new Item("a", 2), new Item("a", 4), new Item("b", 1), new Item("c", 3)), items);
    }
}
