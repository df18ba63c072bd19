package dev.keydesk.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import dev.keydesk.bot.BotActions;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * An administrator, in a real browser with JavaScript on, pastes a leaked bot key into the Keys
 * console's Find a key, sees whose it is, and replaces it through the confirmation dialog.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@IntegrationTest
class KeyLookupBrowserTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private BrowserSupport browser;

    @BeforeAll
    void startBrowser() {
        browser = BrowserSupport.launch();
    }

    @AfterAll
    void stopBrowser() {
        if (browser != null) browser.close();
    }

    @Test
    void theAdminPastesALeakedKeyAndReplacesIt() {
        keydesk.reset();
        String baseUrl = keydesk.baseUrl();
        Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        User member = Fixtures.member("cordelia@zulip.com");
        BotActions.Created bot = Fixtures.bot(member, "Deploy Bot", "deploy");
        String leaked = bot.apiKey();

        try (BrowserContext context = browser.newContext(baseUrl)) {
            Page page = context.newPage();
            List<String> errors = BrowserSupport.pageErrors(page);
            BrowserSupport.logIn(page, baseUrl, "iago@zulip.com", Fixtures.PASSWORD);
            BrowserSupport.openFromNavigation(page, baseUrl, "Keys", "/keys");

            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Find a key").setExact(true)).click();
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Find a key").setLevel(1))).isVisible();
            page.getByLabel("API key", new Page.GetByLabelOptions().setExact(true)).fill(leaked);
            BrowserSupport.button(page, "Find key").click();

            Locator result = page.getByRole(AriaRole.REGION, new Page.GetByRoleOptions().setName("Result").setExact(true));
            assertThat(result).containsText("Deploy Bot");
            assertThat(result).containsText("Bot key");
            assertThat(result).containsText("Active");
            assertThat(result).containsText("Member cordelia@zulip.com");
            assertFalse(page.content().contains(leaked), "the page does not show the key back");
            assertThat(page.getByRole(AriaRole.REGION, new Page.GetByRoleOptions().setName("Audit entries")))
                    .containsText("api_key_looked_up");

            Locator dialog = page.getByRole(AriaRole.DIALOG, new Page.GetByRoleOptions().setName("Replace the key").setExact(true));
            assertThat(dialog).not().isVisible();
            result.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Replace").setExact(true)).click();
            assertThat(dialog).isVisible();
            assertThat(dialog).containsText("Deploy Bot");
            dialog.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Replace").setExact(true)).click();

            Locator flash = page.locator("main > .flash");
            assertThat(flash).hasText(Pattern.compile("The key was replaced"));
            assertThat(page).hasURL(baseUrl + "/keys/lookup");
            assertEquals(List.of(), errors);
        }
        assertEquals(401, Http.get(keydesk.baseUrl() + "/api/v1/users/me", Http.basic(bot.bot().email(), leaked)).status(),
                "the leaked key no longer works");
        String fresh = Fixtures.keyOf(bot.bot().id());
        assertNotEquals(leaked, fresh);
        assertEquals(200, Http.get(keydesk.baseUrl() + "/api/v1/users/me", Http.basic(bot.bot().email(), fresh)).status());
    }
}
