package dev.keydesk.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static dev.keydesk.browser.BrowserSupport.button;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Download;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.User;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
@IntegrationTest
class AccountBrowserTest {
    private static final String EMAIL = "iago@zulip.com";
    private static final String NEW_PASSWORD = "a brand new passphrase";

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

    /** The reset link in the e-mail that has arrived for {@code EMAIL}. */
    private String resetLinkFromTheEmail() {
        assertTrue(keydesk.mail().waitForIncomingEmail((long) BrowserSupport.TIMEOUT_MS, 1), "no e-mail arrived");
        Pattern link = Pattern.compile(Pattern.quote(baseUrl) + "/accounts/password/reset/[A-Za-z0-9_-]+");
        for (MimeMessage message : keydesk.mail().getReceivedMessages()) {
            try {
                if (!"Reset your Keydesk password".equals(message.getSubject())) continue;
                assertEquals(EMAIL, message.getRecipients(Message.RecipientType.TO)[0].toString());
                Matcher m = link.matcher(message.getContent().toString());
                assertTrue(m.find(), "no link in the e-mail");
                return m.group();
            } catch (MessagingException | IOException e) {
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("no password reset e-mail arrived");
    }

    @Test
    void resetThePasswordThroughTheResetItLink() {
        String key = Fixtures.keyOf(iago);
        button(page, "Manage your API key").click();
        assertThat(passwordDialog()).isVisible();
        passwordDialog().getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName("reset it").setExact(true))
                .click();
        assertThat(page).hasURL(baseUrl + "/accounts/password/reset");
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setLevel(1)))
                .hasText("Reset your password");

        page.getByLabel("E-mail address", new Page.GetByLabelOptions().setExact(true)).fill(EMAIL);
        button(page, "Send reset link").click();
        assertThat(page.getByText("a link to choose a new password is on its way")).isVisible();
        assertThat(page.getByText("a link to choose a new password is on its way")).containsText(EMAIL);

        page.navigate(resetLinkFromTheEmail());
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setLevel(1)))
                .hasText("Choose a new password");
        assertThat(page.getByRole(AriaRole.CHECKBOX)).not().isChecked();
        page.getByLabel("New password", new Page.GetByLabelOptions().setExact(true)).fill(NEW_PASSWORD);
        page.getByLabel("New password again", new Page.GetByLabelOptions().setExact(true)).fill(NEW_PASSWORD);
        button(page, "Set new password").click();

        assertThat(page).hasURL(baseUrl + "/login");
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setLevel(1))).hasText("Log in");
        assertThat(page.getByText("Log in with the new one.")).isVisible();
        assertThat(page.getByText("Log in with the new one.")).containsText("No device was logged in");

        BrowserSupport.logIn(page, baseUrl, EMAIL, NEW_PASSWORD);
        assertThat(page).hasURL(baseUrl + "/account");
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Account & privacy")
                .setExact(true).setLevel(1))).isVisible();
        assertEquals(key, Fixtures.keyOf(iago), "the API key is unchanged unless asked for");
        assertNoPageErrors();
    }
}
