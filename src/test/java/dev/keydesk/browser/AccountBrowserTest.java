package dev.keydesk.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static dev.keydesk.browser.BrowserSupport.button;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Download;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.User;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The "for yourself" steps of the API key help, done in a real browser with JavaScript on:
 * Account &amp; privacy → Manage your API key → password → Get API key → copy, generate a new key,
 * download zuliprc.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccountBrowserTest {
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
        BrowserSupport.logIn(page, baseUrl, EMAIL, Fixtures.PASSWORD);
        page.navigate(baseUrl + "/account");
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Account & privacy").setExact(true).setLevel(1)))
                .isVisible();
    }

    @AfterEach
    void tearDown() {
        if (context != null) context.close();
    }

    private Locator passwordDialog() {
        return page.getByRole(AriaRole.DIALOG, new Page.GetByRoleOptions().setName("Enter your password"));
    }

    private Locator keyField() {
        return page.getByLabel("Your API key", new Page.GetByLabelOptions().setExact(true));
    }

    /** Steps 1 and 2: "Manage your API key", the password, "Get API key". Returns the key shown. */
    private String revealKey() {
        button(page, "Manage your API key").click();
        assertThat(passwordDialog()).isVisible();
        // The question opens in place, without loading /account/api-key.
        assertThat(page).hasURL(baseUrl + "/account");
        passwordDialog().getByLabel("Your password", new Locator.GetByLabelOptions().setExact(true))
                .fill(Fixtures.PASSWORD);
        button(page, "Get API key").click();
        assertThat(keyField()).isVisible();
        assertThat(keyField()).not().isEditable();
        return keyField().inputValue();
    }

    private void assertNoPageErrors() {
        assertEquals(List.of(), pageErrors, "errors in the page");
    }

    @Test
    void getAndCopyTheApiKey() {
        String shown = revealKey();
        String actual = Fixtures.keyOf(iago);
        assertEquals(actual, shown);
        assertThat(keyField()).hasAttribute("id", "api-key-value");

        // Whatever the clipboard held before must not pass for the key.
        page.evaluate("navigator.clipboard.writeText('nothing copied yet')");
        Locator status = page.getByText("Copied to your clipboard.");
        assertThat(status).not().isVisible();
        button(page, "Copy API key").click();
        assertThat(status).isVisible();
        assertEquals(actual, page.evaluate("navigator.clipboard.readText()"));
        assertNoPageErrors();
    }

    @Test
    void generateANewKeyAfterConfirming() {
        String oldKey = revealKey();
        Locator confirm = page.getByRole(AriaRole.DIALOG,
                new Page.GetByRoleOptions().setName("Generate a new API key?"));
        assertThat(confirm).not().isVisible();

        // Asking first: "Cancel" leaves the key alone.
        button(page, "Generate new API key").click();
        assertThat(confirm).isVisible();
        assertThat(confirm).containsText("logged out");
        confirm.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Cancel").setExact(true)).click();
        assertThat(confirm).not().isVisible();
        assertThat(keyField()).hasValue(oldKey);
        assertEquals(oldKey, Fixtures.keyOf(iago));

        // Confirming replaces it.
        button(page, "Generate new API key").click();
        assertThat(confirm).isVisible();
        confirm.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions()
                .setName("Yes, generate a new key").setExact(true)).click();
        assertThat(page.getByText("Your new API key is ready.")).isVisible();
        assertThat(keyField()).not().hasValue(oldKey);
        String newKey = keyField().inputValue();
        assertNotEquals(oldKey, newKey);
        assertEquals(Fixtures.keyOf(iago), newKey);

        String me = baseUrl + "/api/v1/users/me";
        assertEquals(401, Http.get(me, Http.basic(EMAIL, oldKey)).status(), "the old key");
        assertEquals(200, Http.get(me, Http.basic(EMAIL, newKey)).status(), "the new key");
        assertNoPageErrors();
    }

    @Test
    void downloadZuliprc() {
        String key = revealKey();
        Download download = BrowserSupport.download(page, () -> button(page, "Download zuliprc").click());
        assertEquals("zuliprc", download.suggestedFilename());
        String site = keydesk.baseUrl();
        assertEquals(site, keydesk.primary().services().settings().site(), "the zuliprc names the address clients reach");
        assertEquals("[api]\nemail=" + EMAIL + "\nkey=" + key + "\nsite=" + site + "\n",
                BrowserSupport.content(download));
        assertEquals(Fixtures.keyOf(iago), key);
        // The page with the key stays where it was.
        assertThat(keyField()).hasValue(key);
        assertNoPageErrors();
    }

    @Test
    void wrongPasswordShowsAnErrorAndNoKey() {
        button(page, "Manage your API key").click();
        assertThat(passwordDialog()).isVisible();
        passwordDialog().getByLabel("Your password", new Locator.GetByLabelOptions().setExact(true))
                .fill("not the password");
        button(page, "Get API key").click();

        Locator alert = page.getByRole(AriaRole.ALERT);
        assertThat(alert).containsText("not right");
        assertThat(page.locator("#api-key-value")).hasCount(0);
        assertThat(button(page, "Copy API key")).hasCount(0);
        assertThat(button(page, "Download zuliprc")).hasCount(0);
        String key = Fixtures.keyOf(iago);
        assertFalse(page.content().contains(key), "the key is nowhere in the page");

        // The password can be entered again right there.
        page.getByLabel("Your password", new Page.GetByLabelOptions().setExact(true)).fill(Fixtures.PASSWORD);
        button(page, "Get API key").click();
        assertThat(keyField()).hasValue(key);
        assertNoPageErrors();
    }

    @Test
    void resetItLinkOpensThePasswordResetPage() {
        button(page, "Manage your API key").click();
        assertThat(passwordDialog()).isVisible();
        passwordDialog().getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName("reset it").setExact(true))
                .click();
        assertThat(page).hasURL(baseUrl + "/accounts/password/reset");
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setLevel(1)))
                .hasText("Reset your password");
        assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Send reset link"))).isVisible();
        assertNoPageErrors();
    }
}
