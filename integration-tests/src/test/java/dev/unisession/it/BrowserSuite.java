package dev.unisession.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.testing.Resp;
import dev.unisession.testing.Services;
import dev.unisession.testing.TestStores;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The sample shop's WAR in headless Chromium (Debian's, through the system chromedriver): the whole funnel with a
 * reload, "log out other sessions" across two browser profiles, and a cart that stays intact while the browser
 * alternates between two nodes sharing one Redis. Screenshots go to target/screenshots.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BrowserSuite {

    abstract Container container();

    private final String keys = Keys.entry("k1", Keys.secret());
    private RunningServer node;

    private String name(String what) {
        return container().name().toLowerCase() + "-" + what;
    }

    @BeforeAll
    void start() throws Exception {
        Browser.require();
        node = container().start(SampleWar.copy(), SampleWar.params(keys), Map.of(), null);
    }

    @AfterAll
    void stop() throws Exception {
        if (node != null) node.close();
    }

    private static void login(Browser b, RunningServer on, String user) {
        b.open(on.uri("/login")).type("#name", user).click("#login");
        assertEquals(user, b.text("#user"));
    }

    private static void add(Browser b, RunningServer on, String product) {
        b.open(on.uri("/product?id=" + product)).click("#add");
        b.find("#items");
    }

    @Test
    void shopAndCheckOutWithAReloadInTheMiddle() {
        try (Browser b = new Browser()) {
            b.open(node.uri("/"));
            assertTrue(b.has("a#p-apple"), "the landing page lists products");
            login(b, node, "alice");
            add(b, node, "apple");
            add(b, node, "cherry");
            assertEquals(2, b.page().split("class=\"item\"").length - 1, b.page());
            assertEquals("€5.40", b.text("#total"));
            b.screenshot(name("cart"));
            b.click("#checkout").type("#address", "1 Orchard Lane").click("#continue");
            b.type("#card", "4242 4242 4242 4242").click("#continue");
            assertTrue(b.text("#summary").contains("1 Orchard Lane"), b.page());
            b.reload();
            assertTrue(b.text("#summary").contains("card ending 4242"), "intact after a reload: " + b.page());
            assertEquals("2", b.text("#count"));
            b.screenshot(name("checkout"));
            b.click("#continue");
            assertTrue(b.text("#orders").contains("[apple, cherry] to 1 Orchard Lane"), b.page());
            assertTrue(b.has("#empty"), "the cart is empty after the order");
        }
    }

    @Test
    void logOutOtherSessionsEndsTheOtherBrowser() {
        String user = "bob-" + container().name().toLowerCase();
        try (Browser laptop = new Browser();
                Browser phone = new Browser()) {
            login(phone, node, user);
            add(phone, node, "plum");
            login(laptop, node, user);
            laptop.open(node.uri("/sessions"));
            laptop.find("#sessions");
            assertEquals(2, laptop.page().split("class=\"session").length - 1, "two sessions: " + laptop.page());
            assertTrue(laptop.text("tr.current").contains("this device"));
            laptop.screenshot(name("sessions"));
            laptop.click("#logout-others");
            assertTrue(laptop.text("#ended").startsWith("1 other session"), laptop.page());
            assertEquals(1, laptop.page().split("class=\"session").length - 1, laptop.page());

            phone.open(node.uri("/cart"));
            phone.find("#name");
            assertTrue(phone.url().contains("/login"), "the phone was logged out: " + phone.url());
            assertFalse(phone.has("#user"));
            assertEquals(user, laptop.open(node.uri("/cart")).text("#user"), "the laptop stays logged in");
        }
    }

    @Test
    void theCartStaysIntactAcrossTwoNodesSharingRedis() throws Exception {
        String prefix = TestStores.uniquePrefix();
        Map<String, String> params = SampleWar.params(
                keys,
                "unisession.store",
                "redis",
                "unisession.redis.url",
                Services.redisUrl(),
                "unisession.redis.prefix",
                prefix);
        try (RunningServer one = container().start(SampleWar.copy(), params, Map.of(), null);
                RunningServer two = container().start(SampleWar.copy(), params, Map.of(), null);
                Browser b = new Browser()) {
            login(b, one, "carol");
            String[] fruit = {"apple", "pear", "plum", "cherry", "apple"};
            for (int i = 0; i < fruit.length; i++) {
                RunningServer on = i % 2 == 0 ? one : two;
                add(b, on, fruit[i]);
                assertEquals(
                        i + 1,
                        b.page().split("class=\"item\"").length - 1,
                        "node " + (i % 2 + 1) + " sees every item: " + b.page());
            }
            b.open(two.uri("/cart"));
            assertEquals("carol", b.text("#user"));
            assertEquals("5", b.text("#count"));
            b.screenshot(name("two-nodes"));
        } finally {
            new Resp(Services.REDIS_PORT).deleteAll(prefix + "*");
        }
    }
}
