package dev.keydesk.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The new choices in a real browser, found by their visible names: how long the old key keeps
 * working when a bot's key is regenerated (the bot's dialog, the Keys page's confirmation),
 * ending a grace period early, and logging one device out from Account & privacy.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@IntegrationTest
class KeyLifetimesBrowserTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private BrowserSupport browser;
    private BrowserContext context;
    private Page page;
    private List<String> pageErrors;
    private String baseUrl;
    private User hamlet;

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
        hamlet = Fixtures.user("hamlet@zulip.com", "King Hamlet", Role.OWNER);
        context = browser.newContext(baseUrl);
        page = context.newPage();
        pageErrors = BrowserSupport.pageErrors(page);
        BrowserSupport.logIn(page, baseUrl, hamlet.email(), Fixtures.PASSWORD);
    }

    @AfterEach
    void tearDown() {
        if (context != null) context.close();
    }

    private int me(String email, String key) {
        return Http.get(baseUrl + "/api/v1/users/me", Http.basic(email, key)).status();
    }

    private Locator region(String name) {
        return page.getByRole(AriaRole.REGION, new Page.GetByRoleOptions().setName(name).setExact(true));
    }

    @Test
    void theRegenerateDialogOffersAGracePeriodThatCanBeEndedEarly() {
        long botId = Fixtures.bot(hamlet, "Deploy Notifier", "deploy").bot().id();
        String email = "deploy-bot@localhost";
        String oldKey = Fixtures.keyOf(botId);
        page.navigate(baseUrl + "/bots/" + botId);
        page.waitForLoadState(com.microsoft.playwright.options.LoadState.LOAD);

        region("API key").getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions()
                .setName("generate new API key").setExact(true)).click();
        Locator dialog = page.getByRole(AriaRole.DIALOG, new Page.GetByRoleOptions().setName("Generate a new API key?"));
        assertThat(dialog).isVisible();
        Locator grace = dialog.getByLabel("The old key stops working");
        assertThat(grace).hasValue("0"); // at once, unless chosen otherwise
        assertEquals(List.of("At once", "After 1 hour", "After 24 hours", "After 7 days"),
                grace.locator("option").allTextContents());
        grace.selectOption(new com.microsoft.playwright.options.SelectOption().setLabel("After 24 hours"));
        dialog.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Yes, generate a new key").setExact(true))
                .click();

        assertThat(page.getByRole(AriaRole.STATUS)).containsText("The old key keeps working until the end of its grace period");
        String newKey = Fixtures.keyOf(botId);
        assertNotEquals(oldKey, newKey);
        assertEquals(200, me(email, oldKey));
        assertEquals(200, me(email, newKey));

        Locator oldKeys = page.getByRole(AriaRole.LIST, new Page.GetByRoleOptions().setName("Old keys still working"));
        assertThat(oldKeys).containsText("Works until");
        BrowserSupport.button(page, "End grace period now").click();
        assertThat(page.getByRole(AriaRole.STATUS)).containsText("The grace period has ended");
        assertThat(oldKeys).hasCount(0);
        assertEquals(401, me(email, oldKey));
        assertEquals(200, me(email, newKey));
        assertEquals(List.of(), pageErrors);
    }

    @Test
    void theKeysPageAsksHowLongTheOldKeyKeepsWorking() {
        long botId = Fixtures.bot(hamlet, "Alerts", "alerts").bot().id();
        String oldKey = Fixtures.keyOf(botId);
        BrowserSupport.openFromNavigation(page, baseUrl, "Keys", "/keys");
        Locator row = page.getByRole(AriaRole.ROW).filter(new Locator.FilterOptions().setHasText("Alerts"));
        row.hover();
        row.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("options for Alerts's API key").setExact(true)).click();
        row.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Generate new API key").setExact(true)).click();

        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setLevel(1)))
                .containsText("Generate a new API key for Alerts?");
        page.getByLabel("The old key stops working").selectOption(
                new com.microsoft.playwright.options.SelectOption().setLabel("After 1 hour"));
        BrowserSupport.button(page, "Yes, generate a new key").click();
        assertThat(page).hasURL(baseUrl + "/keys");
        assertThat(page.getByRole(AriaRole.STATUS)).containsText("The bot has a new API key.");
        assertNotEquals(oldKey, Fixtures.keyOf(botId));
        assertEquals(200, me("alerts-bot@localhost", oldKey), "the old key still works for an hour");
        assertEquals(List.of(), pageErrors);
    }

    @Test
    void oneDeviceIsLoggedOutAfterThePasswordIsEnteredAgain() {
        Http.Response fetched = Http.postForm(baseUrl + "/api/v1/fetch_api_key",
                Http.form("username", hamlet.email(), "password", Fixtures.PASSWORD), null,
                Map.of("User-Agent", "ZulipMobile/27.212 (Android 14)"));
        String phoneKey = fetched.json().get("api_key").asText();
        String mainKey = Fixtures.keyOf(hamlet);
        BrowserSupport.openFromNavigation(page, baseUrl, "Account & privacy", "/account");

        Locator devices = region("Devices logged in with your API key");
        Locator row = devices.getByRole(AriaRole.ROW).filter(new Locator.FilterOptions().setHasText("ZulipMobile"));
        assertThat(row).containsText("127.0.0.1");
        row.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Log out ZulipMobile (127.0.0.1)")
                .setExact(true)).click();

        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setLevel(1)))
                .containsText("Log out ZulipMobile?");
        page.getByLabel("Your password", new Page.GetByLabelOptions().setExact(true)).fill(Fixtures.PASSWORD);
        BrowserSupport.button(page, "Log out this device").click();

        assertThat(page.getByRole(AriaRole.STATUS)).containsText("The device has been logged out");
        assertThat(devices).containsText("No device has fetched your API key.");
        assertEquals(401, me(hamlet.email(), phoneKey));
        assertEquals(200, me(hamlet.email(), mainKey));
        assertEquals(List.of(), pageErrors);
    }
}
