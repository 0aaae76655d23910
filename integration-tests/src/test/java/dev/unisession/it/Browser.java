package dev.unisession.it;

import dev.unisession.testing.Services;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium, driven through the system chromedriver by Selenium (nothing is downloaded), with a
 * profile of its own: one browser = one user's device.
 */
final class Browser implements AutoCloseable {

    static final String CHROMIUM = "/usr/bin/chromium";
    static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    private final WebDriver driver;
    private final Path profile;

    /** Fails in CI and skips elsewhere when Chromium is not installed. */
    static void require() {
        if (!new File(CHROMIUM).canExecute() || !new File(CHROMEDRIVER).canExecute()) {
            Services.unavailable(
                    "Chromium and chromedriver (" + CHROMIUM + ", " + CHROMEDRIVER + ")",
                    "apt-get install -y chromium chromium-driver");
        }
    }

    /**
     * A fresh browser; {@code switches} are more Chromium command-line switches, such as
     * {@code --host-resolver-rules=MAP intranet.test 127.0.0.1}. It accepts the tests' self-signed certificates.
     */
    Browser(String... switches) {
        require();
        try {
            profile = Files.createTempDirectory("chromium-profile");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--no-first-run",
                "--window-size=1200,900",
                "--user-data-dir=" + profile);
        options.addArguments(switches);
        options.setAcceptInsecureCerts(true);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort()
                .build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    }

    Browser open(URI uri) {
        driver.get(uri.toString());
        return this;
    }

    WebElement find(String css) {
        return new WebDriverWait(driver, Duration.ofSeconds(10))
                .until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(css)));
    }

    boolean has(String css) {
        return !driver.findElements(By.cssSelector(css)).isEmpty();
    }

    String text(String css) {
        return find(css).getText();
    }

    Browser type(String css, String text) {
        WebElement e = find(css);
        e.clear();
        e.sendKeys(text);
        return this;
    }

    Browser click(String css) {
        find(css).click();
        new WebDriverWait(driver, Duration.ofSeconds(10))
                .until(d -> "complete"
                        .equals(((org.openqa.selenium.JavascriptExecutor) d)
                                .executeScript("return document.readyState")));
        return this;
    }

    Browser reload() {
        driver.navigate().refresh();
        return this;
    }

    String page() {
        return driver.getPageSource();
    }

    String url() {
        return driver.getCurrentUrl();
    }

    /** The cookies the browser would send to the current page, HttpOnly ones too, by name. */
    java.util.Map<String, org.openqa.selenium.Cookie> cookies() {
        java.util.Map<String, org.openqa.selenium.Cookie> out = new java.util.TreeMap<>();
        for (org.openqa.selenium.Cookie c : driver.manage().getCookies()) out.put(c.getName(), c);
        return out;
    }

    /** Saves a screenshot under target/screenshots/{name}.png. */
    Path screenshot(String name) {
        try {
            Path dir = Files.createDirectories(
                    Path.of(System.getProperty("it.unisession.screenshots", "target/screenshots")));
            Path to = dir.resolve(name + ".png");
            File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), to, StandardCopyOption.REPLACE_EXISTING);
            return to;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temp directory
            }
        }
    }
}
