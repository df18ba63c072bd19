package dev.keydesk.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Download;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Route;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.SelectOption;
import dev.keydesk.bot.Bot;
import dev.keydesk.bot.BotDao;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.User;
import dev.keydesk.user.UserDao;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The "for a bot" steps of the API key help, done in a real browser with JavaScript on:
 * Your bots → Add a new bot; then, in the Actions column, the manage bot icon → API key (copy,
 * generate new API key) and Zuliprc configuration (download, copy).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@IntegrationTest
class BotBrowserTest {
    private static final String EMAIL = "cordelia@zulip.com";
    private static final String BOT_NAME = "Deploy Notifier";
    private static final String BOT_SHORT_NAME = "deploy";
    private static final String COPIED = "Copied to your clipboard.";

    private final TestKeydesk keydesk = TestKeydesk.get();
    private BrowserSupport browser;
    private BrowserContext context;
    private Page page;
    private List<String> pageErrors;
    private String baseUrl;
    private User cordelia;

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
        cordelia = Fixtures.member(EMAIL);
        context = browser.newContext(baseUrl);
        page = context.newPage();
        pageErrors = BrowserSupport.pageErrors(page);
        BrowserSupport.logIn(page, baseUrl, EMAIL, Fixtures.PASSWORD);
    }

    @AfterEach
    void tearDown() {
        if (context != null) context.close();
    }

    // ---------------------------------------------------------------- the steps of the help page

    /** The settings tab: the "Your bots" link of the main navigation. */
    private void openYourBots() {
        BrowserSupport.openFromNavigation(page, baseUrl, "Your bots", "/bots");
    }

    /**
     * "Add a new bot", fill in the form, "Create bot". {@code more} fills in anything else the bot
     * type needs. Returns the bot, looked up through the owner's API key rather than the page.
     */
    private User addBot(String type, String name, String shortName, Consumer<Page> more) {
        openYourBots();
        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Add a new bot").setExact(true)).click();
        assertThat(page).hasURL(baseUrl + "/bots/new");
        page.getByLabel("Bot type", new Page.GetByLabelOptions().setExact(true)).selectOption(new SelectOption().setLabel(type));
        page.getByLabel("Name", new Page.GetByLabelOptions().setExact(true)).fill(name);
        page.getByLabel("Short name", new Page.GetByLabelOptions().setExact(true)).fill(shortName);
        more.accept(page);
        BrowserSupport.button(page, "Create bot").click();
        assertThat(page.getByRole(AriaRole.STATUS)).containsText("Your bot has been created");

        String email = expectedBotEmail(shortName);
        long id = botIdFromApi(email);
        User bot = keydesk.primary().database().jdbi().withExtension(UserDao.class, d -> d.findById(id)).orElseThrow();
        assertTrue(bot.isBot(), bot.toString());
        assertEquals(email, bot.email());
        return bot;
    }

    private User addGenericBot() {
        return addBot("Generic", BOT_NAME, BOT_SHORT_NAME, p -> { });
    }

    /**
     * "In the Actions column, click the manage bot icon": the link in the bot's row, in the cell under
     * the "Actions" column header. The details open scrolled to API key.
     */
    private void manageBot(User bot) {
        openYourBots();
        // A small window, so that the API key section starts below the first screen of the details page.
        page.setViewportSize(1000, 420);
        Locator table = page.getByRole(AriaRole.TABLE);
        Locator actionsHeader = table.getByRole(AriaRole.COLUMNHEADER,
                new Locator.GetByRoleOptions().setName("Actions").setExact(true));
        assertThat(actionsHeader).isVisible();
        int actionsColumn = ((Number) actionsHeader.evaluate("th => th.cellIndex")).intValue();
        Locator row = table.getByRole(AriaRole.ROW).filter(new Locator.FilterOptions().setHasText(bot.email()));
        assertThat(row).hasCount(1);
        Locator actions = row.getByRole(AriaRole.CELL).nth(actionsColumn);
        // The visible tooltip is the help page's word; the accessible name adds the bot it manages.
        Locator manage = actions.getByRole(AriaRole.LINK, new Locator.GetByRoleOptions()
                .setName("manage bot " + bot.fullName()).setExact(true));
        assertThat(manage).isVisible();
        assertThat(manage).hasAttribute("title", "manage bot");
        assertThat(manage).hasText("");
        manage.click();

        assertThat(page).hasURL(baseUrl + "/bots/" + bot.id() + "#api-key");
        assertTrue(page.url().endsWith("#api-key"), page.url());
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setLevel(1))).containsText(bot.fullName());
        Locator section = apiKeySection();
        assertThat(section).isVisible();
        // The section does not fit on the first screen: only scrolling to #api-key brings it into view.
        double sectionTop = ((Number) section.evaluate("s => s.getBoundingClientRect().top + window.scrollY")).doubleValue();
        double viewport = ((Number) page.evaluate("window.innerHeight")).doubleValue();
        assertTrue(sectionTop > viewport / 2, "the API key section starts at " + sectionTop + "px in a "
                + viewport + "px window, so this check would pass without scrolling");
        assertThat(section.getByRole(AriaRole.HEADING, new Locator.GetByRoleOptions().setName("API key").setExact(true)))
                .isInViewport();
        assertThat(keyField()).isInViewport();
        assertTrue(((Number) page.evaluate("window.scrollY")).doubleValue() > 0, "the details page was not scrolled");
    }

    private Locator apiKeySection() {
        return page.getByRole(AriaRole.REGION, new Page.GetByRoleOptions().setName("API key").setExact(true));
    }

    /** "scroll down to Zuliprc configuration". */
    private Locator zuliprcSection() {
        Locator section = page.getByRole(AriaRole.REGION,
                new Page.GetByRoleOptions().setName("Zuliprc configuration").setExact(true));
        section.scrollIntoViewIfNeeded();
        assertThat(section).isInViewport();
        return section;
    }

    private Locator keyField() {
        return apiKeySection().getByLabel("The bot's API key", new Locator.GetByLabelOptions().setExact(true));
    }

    private Locator zuliprcField() {
        return page.getByLabel("zuliprc file", new Page.GetByLabelOptions().setExact(true));
    }

    /** An icon-only control found by its accessible name; its tooltip says the same. */
    private static Locator icon(Locator scope, AriaRole role, String name) {
        Locator control = scope.getByRole(role, new Locator.GetByRoleOptions().setName(name).setExact(true));
        assertThat(control).hasCount(1);
        assertThat(control).isVisible();
        assertThat(control).hasAttribute("title", name);
        assertThat(control).hasText("");
        return control;
    }

    // ---------------------------------------------------------------- expected values, from outside the page

    private String expectedBotEmail(String shortName) {
        return shortName + "-bot@" + URI.create(baseUrl).getHost();
    }

    private long botIdFromApi(String email) {
        Http.Response bots = Http.get(baseUrl + "/api/v1/bots", Http.basic(EMAIL, Fixtures.keyOf(cordelia)));
        assertEquals(200, bots.status(), bots.body());
        for (JsonNode bot : bots.json().path("bots")) {
            if (email.equals(bot.path("email").asText())) return bot.path("user_id").asLong();
        }
        throw new AssertionError("No bot " + email + " in " + bots.body());
    }

    private String expectedZuliprc(User bot, String key, String tokenLine) {
        return "[api]\nemail=" + bot.email() + "\nkey=" + key + "\nsite=" + keydesk.baseUrl() + "\n" + tokenLine;
    }

    private String clipboard() {
        return (String) page.evaluate("navigator.clipboard.readText()");
    }

    /** Whatever the clipboard held before must not pass for what a copy icon copies. */
    private void clearClipboard() {
        page.evaluate("navigator.clipboard.writeText('nothing copied yet')");
    }

    private JsonNode profile(String email, String key) {
        Http.Response me = Http.get(baseUrl + "/api/v1/users/me", Http.basic(email, key));
        assertEquals(200, me.status(), "GET /users/me as " + email + ": " + me.body());
        return me.json();
    }

    private void assertNoPageErrors() {
        assertEquals(List.of(), pageErrors, "errors in the page");
    }

    // ---------------------------------------------------------------- tests

    @Test
    void manageBotOpensTheDetailsAtApiKeyAndCopiesTheKey() {
        User bot = addGenericBot();
        manageBot(bot);

        String key = Fixtures.keyOf(bot);
        assertThat(keyField()).hasValue(key);
        assertThat(keyField()).not().isEditable();

        clearClipboard();
        Locator status = apiKeySection().getByText(COPIED);
        assertThat(status).not().isVisible();
        icon(apiKeySection(), AriaRole.BUTTON, "copy").click();
        assertThat(status).isVisible();
        assertEquals(key, clipboard());

        // The key that was copied is the bot's working key.
        JsonNode me = profile(bot.email(), key);
        assertEquals(bot.id(), me.path("user_id").asLong(), me.toString());
        assertEquals(true, me.path("is_bot").asBoolean(false), me.toString());
        assertNoPageErrors();
    }

    @Test
    void generateNewApiKeyAsksFirstAndThenReplacesTheKey() {
        User bot = addGenericBot();
        manageBot(bot);
        String oldKey = Fixtures.keyOf(bot);
        assertThat(keyField()).hasValue(oldKey);

        Locator confirm = page.getByRole(AriaRole.DIALOG, new Page.GetByRoleOptions().setName("Generate a new API key?"));
        assertThat(confirm).not().isVisible();

        // So that nobody regenerates by accident: "Cancel" leaves the key alone.
        icon(apiKeySection(), AriaRole.BUTTON, "generate new API key").click();
        assertThat(confirm).isVisible();
        assertThat(confirm).containsText("stops working");
        confirm.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Cancel").setExact(true)).click();
        assertThat(confirm).not().isVisible();
        assertThat(page).hasURL(baseUrl + "/bots/" + bot.id() + "#api-key");
        assertThat(keyField()).hasValue(oldKey);
        assertEquals(oldKey, Fixtures.keyOf(bot));
        assertEquals(bot.id(), profile(bot.email(), oldKey).path("user_id").asLong());

        // Confirming replaces it.
        icon(apiKeySection(), AriaRole.BUTTON, "generate new API key").click();
        assertThat(confirm).isVisible();
        confirm.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions()
                .setName("Yes, generate a new key").setExact(true)).click();
        assertThat(page.getByRole(AriaRole.STATUS)).containsText("The bot has a new API key.");
        assertThat(page).hasURL(baseUrl + "/bots/" + bot.id() + "#api-key");
        assertThat(keyField()).not().hasValue(oldKey);
        String newKey = Fixtures.keyOf(bot);
        assertNotEquals(oldKey, newKey);
        assertThat(keyField()).hasValue(newKey);
        assertThat(apiKeySection()).isInViewport();

        String me = baseUrl + "/api/v1/users/me";
        Http.Response old = Http.get(me, Http.basic(bot.email(), oldKey));
        assertEquals(401, old.status(), "the old key: " + old.body());
        JsonNode fresh = profile(bot.email(), newKey);
        assertEquals(true, fresh.path("is_bot").asBoolean(false), fresh.toString());
        assertTrue(fresh.path("is_bot").isBoolean(), fresh.toString());
        assertEquals(bot.email(), fresh.path("email").asText(), fresh.toString());

        // The zuliprc on the page follows the new key.
        assertThat(zuliprcField()).hasValue(expectedZuliprc(bot, newKey, ""));
        assertNoPageErrors();
    }

    @Test
    void zuliprcConfigurationDownloadsAndCopiesTheFile() {
        User bot = addGenericBot();
        manageBot(bot);
        String expected = expectedZuliprc(bot, Fixtures.keyOf(bot), "");
        assertEquals(keydesk.baseUrl(), keydesk.primary().services().settings().site(),
                "the zuliprc names the address clients reach");

        Locator section = zuliprcSection();
        Locator downloadIcon = icon(section, AriaRole.LINK, "download");
        Download download = BrowserSupport.download(page, downloadIcon::click);
        assertEquals("zuliprc", download.suggestedFilename());
        assertEquals(expected, BrowserSupport.content(download));
        assertThat(page).hasURL(baseUrl + "/bots/" + bot.id() + "#api-key");

        clearClipboard();
        Locator status = section.getByText(COPIED);
        assertThat(status).not().isVisible();
        icon(section, AriaRole.BUTTON, "copy").click();
        assertThat(status).isVisible();
        assertEquals(expected, clipboard());
        // The copy status of the API key section says nothing: it was not that copy icon.
        assertThat(apiKeySection().getByText(COPIED)).not().isVisible();

        assertThat(zuliprcField()).hasValue(expected);
        assertNoPageErrors();
    }

    @Test
    void everyIconOnlyControlHasATooltipEqualToItsName() {
        User bot = addGenericBot();
        openYourBots();
        assertIconTooltips();
        manageBot(bot);
        assertIconTooltips();
        // The ones the help page names, each found by the seed's word.
        icon(apiKeySection(), AriaRole.BUTTON, "copy");
        icon(apiKeySection(), AriaRole.BUTTON, "generate new API key");
        icon(zuliprcSection(), AriaRole.LINK, "download");
        icon(zuliprcSection(), AriaRole.BUTTON, "copy");
        assertNoPageErrors();
    }

    /**
     * Links and buttons that show no text: each has a title, and its accessible name is that title,
     * or in a list's row that title followed by what the row is ("manage bot Deploy Notifier").
     */
    @SuppressWarnings("unchecked")
    private void assertIconTooltips() {
        List<Map<String, Object>> controls = (List<Map<String, Object>>) page.evaluate("""
                () => [...document.querySelectorAll('a, button')]
                  .filter(c => !c.hidden && c.textContent.trim() === '')
                  .map(c => ({ label: c.getAttribute('aria-label'), title: c.getAttribute('title'), html: c.outerHTML }))""");
        assertTrue(!controls.isEmpty(), "no icon-only controls on " + page.url());
        for (Map<String, Object> control : controls) {
            Object title = control.get("title");
            assertTrue(title != null && !title.toString().isBlank(), "no tooltip: " + control.get("html"));
            Object label = control.get("label");
            assertTrue(title.equals(label) || label != null && label.toString().startsWith(title + " "),
                    "the accessible name does not start with the tooltip: " + control.get("html"));
        }
    }

    @Test
    void outgoingWebhookBotHasATokenLineInItsZuliprc() {
        String payloadUrl = "https://hooks.example.com/keydesk";
        User bot = addBot("Outgoing webhook", BOT_NAME, "relay", form -> {
            Locator url = form.getByLabel("Payload URL", new Page.GetByLabelOptions().setExact(true));
            assertThat(url).isVisible();
            url.fill(payloadUrl);
            form.getByLabel("Interface", new Page.GetByLabelOptions().setExact(true))
                    .selectOption(new SelectOption().setLabel("Slack-compatible"));
        });
        assertEquals(3, bot.botType());
        manageBot(bot);
        assertThat(page.getByRole(AriaRole.REGION, new Page.GetByRoleOptions().setName("Details")))
                .containsText(payloadUrl);
        assertThat(page.getByRole(AriaRole.REGION, new Page.GetByRoleOptions().setName("Details")))
                .containsText("Slack-compatible");

        Bot stored = keydesk.primary().database().jdbi().withExtension(BotDao.class, d -> d.find(bot.id())).orElseThrow();
        String token = Fixtures.botCredentials(stored).token();
        assertTrue(token != null && token.matches("[A-Za-z0-9_-]{43}"), "stored token: " + token);
        String key = Fixtures.keyOf(bot);
        assertNotEquals(key, token);
        String expected = expectedZuliprc(bot, key, "token=" + token + "\n");

        Locator section = zuliprcSection();
        String shown = zuliprcField().inputValue();
        assertEquals(expected, shown);
        assertEquals("token=" + token, shown.split("\n")[4], "the 5th line");

        Download download = BrowserSupport.download(page, icon(section, AriaRole.LINK, "download")::click);
        assertEquals("zuliprc", download.suggestedFilename());
        assertEquals(expected, BrowserSupport.content(download));

        clearClipboard();
        icon(section, AriaRole.BUTTON, "copy").click();
        assertThat(section.getByText(COPIED)).isVisible();
        assertEquals(expected, clipboard());
        assertNoPageErrors();
    }

    /**
     * With the script blocked the page still works: generating a new key asks on a page of its own,
     * and the copy icons, which need the script, are not shown.
     */
    @Test
    void withoutJavaScriptGenerateNewApiKeyAsksOnItsOwnPage() {
        User bot = addGenericBot();
        withoutJavaScript();
        manageBot(bot);
        String oldKey = Fixtures.keyOf(bot);
        assertThat(keyField()).hasValue(oldKey);

        icon(apiKeySection(), AriaRole.BUTTON, "generate new API key").click();
        assertThat(page).hasURL(baseUrl + "/bots/" + bot.id() + "/api-key/regenerate");
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setLevel(1)))
                .containsText("Generate a new API key");
        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Cancel").setExact(true)).click();
        assertThat(page).hasURL(baseUrl + "/bots/" + bot.id() + "#api-key");
        assertThat(keyField()).hasValue(oldKey);
        assertEquals(oldKey, Fixtures.keyOf(bot));

        icon(apiKeySection(), AriaRole.BUTTON, "generate new API key").click();
        BrowserSupport.button(page, "Yes, generate a new key").click();
        assertThat(page.getByRole(AriaRole.STATUS)).containsText("The bot has a new API key.");
        String newKey = Fixtures.keyOf(bot);
        assertNotEquals(oldKey, newKey);
        assertThat(keyField()).hasValue(newKey);
        assertEquals(401, Http.get(baseUrl + "/api/v1/users/me", Http.basic(bot.email(), oldKey)).status());
        assertEquals(bot.id(), profile(bot.email(), newKey).path("user_id").asLong());

        Download download = BrowserSupport.download(page, icon(zuliprcSection(), AriaRole.LINK, "download")::click);
        assertEquals(expectedZuliprc(bot, newKey, ""), BrowserSupport.content(download));
        assertNoPageErrors();
    }

    @Test
    void withoutJavaScriptTheCopyIconsAreNotShown() {
        User bot = addGenericBot();
        withoutJavaScript();
        manageBot(bot);
        // The template marks them hidden until the script makes them work; a copy icon that does
        // nothing when clicked must not be offered.
        Locator copyIcons = page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("copy").setExact(true)
                .setIncludeHidden(true));
        assertThat(copyIcons).hasCount(2);
        assertThat(copyIcons.nth(0)).isHidden();
        assertThat(copyIcons.nth(1)).isHidden();
        assertNoPageErrors();
    }

    /** Serves an empty script in place of keydesk.js from here on. */
    private void withoutJavaScript() {
        page.route("**/static/keydesk.js", route -> route.fulfill(new Route.FulfillOptions()
                .setStatus(200).setContentType("text/javascript").setBody("")));
    }

    /** An outgoing-webhook bot of Cordelia's whose key was regenerated, so its page lists a delivery. */
    private Bot outgoingBotWithADelivery() {
        Bot bot = Fixtures.newBot("Outgoing Helper").webhook("https://hooks.example.com/a-rather-long/path/for/the/webhook")
                .createdBy(cordelia).bot();
        Fixtures.regenerateBotKey(bot.id());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM outbox WHERE kind = 'webhook' AND bot_id = " + bot.id()));
        return bot;
    }

    @Test
    void onAPhoneTheWebhookDeliveriesCanBeScrolledWithTheKeyboard() {
        Bot bot = outgoingBotWithADelivery();
        page.setViewportSize(390, 844);
        page.navigate(baseUrl + "/bots/" + bot.id());
        Locator deliveries = page.getByRole(AriaRole.REGION, new Page.GetByRoleOptions().setName("Webhook deliveries table").setExact(true));
        assertThat(deliveries.locator("table.deliveries tbody tr")).hasCount(1);
        assertEquals(Boolean.TRUE, deliveries.evaluate("box => box.scrollWidth > box.clientWidth"),
                "at 390 px the deliveries scroll inside their box");
        assertThat(deliveries).hasAttribute("tabindex", "0");
        deliveries.focus();
        assertThat(deliveries).isFocused();
        assertEquals(List.of(), PageChecks.axeViolations(page));
        assertNoPageErrors();
    }

    @Test
    void theExpiryDateShowsTheFocusRingWhenTabbedInto() {
        Bot bot = outgoingBotWithADelivery();
        page.navigate(baseUrl + "/bots/" + bot.id());
        Locator date = page.getByLabel("Expiry date", new Page.GetByLabelOptions().setExact(true));
        // Reached with the keyboard: Tab from the control before it.
        page.locator("#regenerate-form button").focus();
        page.keyboard().press("Tab");
        assertThat(date).isFocused();
        assertEquals(Boolean.TRUE, date.evaluate("f => f.matches(':focus-visible')"));
        String ring = (String) date.evaluate("""
                f => { const s = getComputedStyle(f);
                       return s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor + ' | ' + s.boxShadow; }""");
        assertEquals("solid 3px rgb(29, 78, 216) | none", ring, "the field's focus ring");
        assertNoPageErrors();
    }

    @Test
    void payloadUrlAndInterfaceOnlyShowForOutgoingWebhookBots() {
        openYourBots();
        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Add a new bot").setExact(true)).click();
        Locator type = page.getByLabel("Bot type", new Page.GetByLabelOptions().setExact(true));
        Locator url = page.getByLabel("Payload URL", new Page.GetByLabelOptions().setExact(true));
        Locator iface = page.getByLabel("Interface", new Page.GetByLabelOptions().setExact(true));
        type.selectOption(new SelectOption().setLabel("Generic"));
        assertThat(url).not().isVisible();
        assertThat(iface).not().isVisible();
        type.selectOption(new SelectOption().setLabel("Outgoing webhook"));
        assertThat(url).isVisible();
        assertThat(iface).isVisible();
        type.selectOption(new SelectOption().setLabel("Incoming webhook"));
        assertThat(url).not().isVisible();
        assertNoPageErrors();
    }
}
