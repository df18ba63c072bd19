package dev.keydesk.browser;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Download;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.TimeoutError;
import com.microsoft.playwright.options.AriaRole;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Headless Chromium for the browser tests: one browser per test class ({@link #launch()} in
 * {@code @BeforeAll}, {@link #close()} in {@code @AfterAll}) and a fresh context per test, with
 * clipboard access for the site and downloads allowed.
 *
 * <p>The tests use the system's Chromium (Debian package {@code chromium}), never a browser that
 * Playwright downloads. Another binary can be named with {@code -Dkeydesk.chromium=/path/to/chrome}.
 */
public final class BrowserSupport implements AutoCloseable {
    /** How long any single wait (element, navigation, download) may take before the test fails. */
    public static final double TIMEOUT_MS = 15_000;

    private static final String DEFAULT_CHROMIUM = "/usr/bin/chromium";
    private static final List<String> CHROMIUM_ARGS = List.of(
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync");

    private final Playwright playwright;
    private final Browser browser;

    private BrowserSupport(Playwright playwright, Browser browser) {
        this.playwright = playwright;
        this.browser = browser;
    }

    /** Starts Playwright and Chromium; fails (never skips) when Chromium is not installed. */
    public static BrowserSupport launch() {
        Path chromium = Paths.get(System.getProperty("keydesk.chromium", DEFAULT_CHROMIUM));
        if (!Files.isExecutable(chromium)) {
            throw new AssertionError("The browser tests need Chromium at " + chromium + ", which is missing. "
                    + "Install it with `apt-get install -y chromium` (or pass -Dkeydesk.chromium=/path/to/chromium).");
        }
        Playwright playwright = Playwright.create(new Playwright.CreateOptions()
                .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        try {
            Browser browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                    .setExecutablePath(chromium)
                    .setHeadless(true)
                    .setArgs(CHROMIUM_ARGS));
            return new BrowserSupport(playwright, browser);
        } catch (RuntimeException e) {
            playwright.close();
            throw new AssertionError("Chromium at " + chromium + " did not start: " + e.getMessage(), e);
        }
    }

    /**
     * A new, empty browser profile that accepts downloads and may read and write the clipboard on
     * {@code baseUrl}. Close it at the end of the test.
     */
    public BrowserContext newContext(String baseUrl) {
        BrowserContext context = browser.newContext(new Browser.NewContextOptions().setAcceptDownloads(true));
        context.grantPermissions(List.of("clipboard-read", "clipboard-write"),
                new BrowserContext.GrantPermissionsOptions().setOrigin(baseUrl));
        context.setDefaultTimeout(TIMEOUT_MS);
        context.setDefaultNavigationTimeout(TIMEOUT_MS);
        return context;
    }

    /** A new, empty browser profile with JavaScript switched off: the pages as plain HTML forms. */
    public BrowserContext newContextWithoutJavaScript() {
        BrowserContext context = browser.newContext(new Browser.NewContextOptions().setJavaScriptEnabled(false));
        context.setDefaultTimeout(TIMEOUT_MS);
        context.setDefaultNavigationTimeout(TIMEOUT_MS);
        return context;
    }

    /** A new, empty profile of a touch-screen phone (390 x 844, nothing can hover). */
    public BrowserContext newPhoneContext() {
        BrowserContext context = browser.newContext(new Browser.NewContextOptions()
                .setViewportSize(390, 844).setIsMobile(true).setHasTouch(true));
        context.setDefaultTimeout(TIMEOUT_MS);
        context.setDefaultNavigationTimeout(TIMEOUT_MS);
        return context;
    }

    /**
     * Collects what goes wrong inside a page: uncaught script errors, console errors (such as a
     * Content-Security-Policy violation) and any script, style sheet or image the page fails to
     * load. Pages themselves may answer with an error status on purpose (a wrong password is a
     * 400), so documents are left out. Attach it before navigating.
     */
    public static List<String> pageErrors(Page page) {
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        page.onPageError(error -> errors.add("uncaught: " + error));
        page.onConsoleMessage(message -> {
            if ("error".equals(message.type()) && !message.text().startsWith("Failed to load resource")) {
                errors.add("console: " + message.text() + " at " + message.location());
            }
        });
        page.onResponse(response -> {
            if (response.status() >= 400 && !"document".equals(response.request().resourceType())) {
                errors.add("HTTP " + response.status() + " for " + response.url());
            }
        });
        page.onRequestFailed(request -> {
            if (!"document".equals(request.resourceType())) {
                errors.add("failed: " + request.url() + " (" + request.failure() + ")");
            }
        });
        return errors;
    }

    /** Logs in through the login form and waits until the browser has left it. */
    public static void logIn(Page page, String baseUrl, String email, String password) {
        page.navigate(baseUrl + "/login");
        page.getByLabel("E-mail address", new Page.GetByLabelOptions().setExact(true)).fill(email);
        page.getByLabel("Password", new Page.GetByLabelOptions().setExact(true)).fill(password);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Log in").setExact(true)).click();
        String form = baseUrl + "/login";
        try {
            page.waitForURL(url -> !url.equals(form) && !url.startsWith(form + "?"));
        } catch (TimeoutError e) {
            Locator alert = page.getByRole(AriaRole.ALERT);
            String why = alert.count() > 0 ? alert.first().textContent().trim() : "no error shown";
            throw new AssertionError("Logging in as " + email + " did not leave the login page (" + why + ")", e);
        }
    }

    /** Runs {@code action} (usually a click) and returns the download it starts. */
    public static Download download(Page page, Runnable action) {
        return page.waitForDownload(new Page.WaitForDownloadOptions().setTimeout(TIMEOUT_MS), action);
    }

    /** The downloaded file's content as UTF-8, once the download has finished without error. */
    public static String content(Download download) {
        Path file = download.path();
        String failure = download.failure();
        if (failure != null) throw new AssertionError("Download of " + download.url() + " failed: " + failure);
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The button with exactly this accessible name. */
    public static Locator button(Page page, String name) {
        return page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(name).setExact(true));
    }

    @Override
    public void close() {
        try {
            browser.close();
        } finally {
            playwright.close();
        }
    }

    /**
     * Clicks a link of the main navigation, checks the page it leads to (address and heading of
     * the same name) and waits until the page, and so its script, has loaded.
     */
    public static void openFromNavigation(Page page, String baseUrl, String link, String path) {
        page.getByRole(AriaRole.NAVIGATION, new Page.GetByRoleOptions().setName("Main"))
                .getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName(link).setExact(true))
                .click();
        PlaywrightAssertions.assertThat(page).hasURL(baseUrl + path);
        PlaywrightAssertions.assertThat(page.getByRole(AriaRole.HEADING,
                new Page.GetByRoleOptions().setName(link).setLevel(1))).isVisible();
        page.waitForLoadState(com.microsoft.playwright.options.LoadState.LOAD);
    }
}
