package dev.unisession.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** The shop through real HTTP: login, cart, the three-step checkout. */
class SampleShopTest {

    private static Server server;
    private static URI base;
    private final HttpClient http = HttpClient.newBuilder()
            .cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
            .followRedirects(HttpClient.Redirect.NORMAL).build();

    @BeforeAll
    static void start() throws Exception {
        server = SampleMain.start("127.0.0.1", 0);
        base = server.getURI();
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String form) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void loginCartAndCheckout() throws Exception {
        assertTrue(get("/cart").body().contains("Log in"), "the cart needs a login");
        assertTrue(post("/login", "user=alice").body().contains("<b id='user'>alice</b>"));
        post("/cart", "item=apple");
        String cart = post("/cart", "item=plum").body();
        assertTrue(cart.contains("<li class='item'>apple</li>") && cart.contains("<li class='item'>plum</li>"), cart);

        assertTrue(get("/checkout").body().contains("Step: ADDRESS"));
        assertTrue(post("/checkout", "address=1+Main+St").body().contains("Step: PAYMENT"));
        String confirm = post("/checkout", "card=4111111111111111").body();
        assertTrue(confirm.contains("Step: CONFIRM") && confirm.contains("card ending 1111"), confirm);
        String done = post("/checkout", "confirm=yes").body();
        assertTrue(done.contains("Your cart is empty.") && done.contains("[apple, plum] to 1 Main St"), done);

        assertEquals(400, post("/cart", "item=%3Cscript%3E").statusCode(), "bad input is refused, not a 5xx");
        assertTrue(post("/logout", "").body().contains("Log in"));
    }
}
