package dev.keydesk.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import dev.keydesk.session.WebSession;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.TestTotp;
import dev.keydesk.user.User;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A person sets up an authenticator app in a real browser (reading the secret the page shows, as
 * an app would from the QR code), logs out, and signs in again with the password and a code;
 * then sees the API key after a fresh code.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@IntegrationTest
class SecondFactorBrowserTest {
    private static final String EMAIL = "iago@zulip.com";

    private final TestKeydesk keydesk = TestKeydesk.get();
    private BrowserSupport browser;
    private BrowserContext context;
    private Page page;
    private List<String> pageErrors;
    private String baseUrl;
    private User iago;

    @BeforeAll
    void startBrowser() {
        browser = BrowserSupport.launch();
    }

    @AfterAll
    void stopBrowser() {
        if (browser != null) browser.close();
    }

    @BeforeEach
    void setUp() {
        keydesk.reset();
        baseUrl = keydesk.baseUrl();
        iago = Fixtures.member(EMAIL);
        context = browser.newContext(baseUrl);
        page = context.newPage();
        pageErrors = BrowserSupport.pageErrors(page);
    }

    @AfterEach
    void tearDown() {
        if (context != null) context.close();
    }

    private boolean hasSession() {
        return context.cookies().stream().anyMatch(c -> c.name.equals(WebSession.SESSION_COOKIE));
    }

    @Test
    void setUpAnAuthenticatorAppAndSignInWithIt() {
        BrowserSupport.logIn(page, baseUrl, EMAIL, Fixtures.PASSWORD);
        page.navigate(baseUrl + "/account");
        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Manage sign-in security")).click();
        page.waitForURL(baseUrl + "/account/sign-in-security");
        BrowserSupport.button(page, "Set up an authenticator app").click();
        assertThat(page.locator("svg.qr-code")).isVisible();
        String secret = page.locator("#totp-secret").textContent().trim();

        long step = TestTotp.alignToNextStep();
        page.getByLabel("Code from your authenticator app").fill(TestTotp.code(secret, step));
        BrowserSupport.button(page, "Turn on").click();
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Your recovery codes"))).isVisible();
        assertThat(page.locator("#recovery-code-list li")).hasCount(10);

        // Log out, then sign in: the password alone leads to the code step, with no session yet.
        page.navigate(baseUrl + "/account");
        BrowserSupport.button(page, "Log out").click();
        page.waitForURL(url -> url.startsWith(baseUrl + "/login"));
        BrowserSupport.logIn(page, baseUrl, EMAIL, Fixtures.PASSWORD);
        assertEquals(baseUrl + "/login/code", page.url());
        assertTrue(!hasSession(), "no session before the code");

        TestKeydesk.CLOCK.advance(Duration.ofSeconds(30));
        page.getByLabel("Authentication code").fill(TestTotp.code(secret, TestTotp.stepNow()));
        BrowserSupport.button(page, "Verify").click();
        page.waitForURL(baseUrl + "/account");
        assertTrue(hasSession());
        assertThat(page.locator("#sign-in-security")).containsText("authenticator app");

        // Seeing the key asks for a fresh code, not the password.
        TestKeydesk.CLOCK.advance(Duration.ofSeconds(30));
        BrowserSupport.button(page, "Manage your API key").click();
        page.locator("#api-key-dialog").getByLabel("Code from your authenticator app",
                new com.microsoft.playwright.Locator.GetByLabelOptions().setExact(true)).fill(TestTotp.code(secret, TestTotp.stepNow()));
        BrowserSupport.button(page, "Get API key").click();
        page.waitForURL(baseUrl + "/account/api-key/shown");
        assertEquals(Fixtures.keyOf(iago), page.locator("#api-key-value").inputValue());
        assertEquals(List.of(), pageErrors);
    }
}
