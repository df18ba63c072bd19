package dev.keydesk.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Response;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.BoundingBox;
import dev.keydesk.bot.Bot;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import dev.keydesk.user.UserDao;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The admin's Keys console in a real browser with JavaScript on, step by step as the Keys help
 * page describes it: find an API key, create one in the New API Key dialog, then per row the edit
 * icon (Modify API Key), the copy icon, and options → Block / Unblock / Delete.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@IntegrationTest
class KeysBrowserTest {
    private static final String ADMIN_EMAIL = "iago@zulip.com";
    private static final String MEMBER_EMAIL = "cordelia@zulip.com";
    private static final String NEW_KEY_NAME = "Deploy Hook";
    private static final String NEW_KEY_WEBHOOK = "https://ci.example.com/hook";
    private static final String MODIFIED_NAME = "Deploy Hook (prod)";
    private static final String PLACEHOLDER = "nothing copied yet";
    /** The Owners column among a row's cells (after the selection box and the name). */
    private static final int OWNERS = 2;
    /** The colour of the uploaded avatar: far from anything an identicon or the page background uses. */
    private static final Color AVATAR_COLOUR = new Color(0x12, 0x9A, 0x7E);

    private final TestKeydesk keydesk = TestKeydesk.get();
    private BrowserSupport browser;
    private BrowserContext context;
    private Page page;
    private List<String> pageErrors;
    private String baseUrl;
    private User admin;
    private User member;

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
        admin = Fixtures.user(ADMIN_EMAIL, "Iago", Role.ADMIN);
        member = Fixtures.member(MEMBER_EMAIL);
        context = browser.newContext(baseUrl);
        page = context.newPage();
        pageErrors = BrowserSupport.pageErrors(page);
    }

    @AfterEach
    void tearDown() {
        if (context != null) context.close();
    }

    // ---------------------------------------------------------------- the steps of the help page

    /** The "Keys" link of the main navigation. */
    private void openKeys() {
        BrowserSupport.openFromNavigation(page, baseUrl, "Keys", "/keys");
    }

    private Locator keyTable() {
        return page.getByRole(AriaRole.REGION, new Page.GetByRoleOptions().setName("API keys").setExact(true))
                .getByRole(AriaRole.TABLE);
    }

    /** Every API key row of the list (the header row left out). */
    private Locator keyRows() {
        return keyTable().locator("tbody").getByRole(AriaRole.ROW);
    }

    /** The row whose name link reads exactly {@code name}. */
    private Locator row(String name) {
        return keyRows().filter(new Locator.FilterOptions().setHas(nameLink(name)));
    }

    private Locator nameLink(String name) {
        return page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName(name).setExact(true));
    }

    /** "Hover over the needed API key": its row actions come to full strength. */
    private Locator hover(String name) {
        Locator row = row(name);
        assertThat(row).hasCount(1);
        row.hover();
        assertThat(row.locator(".hover-actions")).hasCSS("opacity", "1");
        return row;
    }

    /**
     * A row's icon-only control: its tooltip shows the help page's word ({@code tooltip}), and its
     * accessible name says which key it acts on ("copy Deploy Hook's API key").
     */
    private static Locator icon(Locator scope, AriaRole role, String tooltip, String key) {
        String name = "options".equals(tooltip) ? "options for " + key + "'s API key" : tooltip + " " + key + "'s API key";
        Locator control = scope.getByRole(role, new Locator.GetByRoleOptions().setName(name).setExact(true));
        assertThat(control).hasCount(1);
        assertThat(control).isVisible();
        assertThat(control).hasAttribute("title", tooltip);
        assertThat(control).hasText("");
        return control;
    }

    /** "click the options icon, and then select {@code item}". */
    private void chooseOption(String name, String item) {
        Locator row = hover(name);
        Locator menuItem = row.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName(item).setExact(true));
        assertThat(menuItem).not().isVisible();
        icon(row, AriaRole.BUTTON, "options", name).click();
        assertThat(menuItem).isVisible();
        menuItem.click();
    }

    private Locator dialog(String name) {
        return page.getByRole(AriaRole.DIALOG, new Page.GetByRoleOptions().setName(name).setExact(true));
    }

    private static Locator dialogButton(Locator dialog, String name) {
        return dialog.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName(name).setExact(true));
    }

    private static Locator field(Locator dialog, String label) {
        return dialog.getByLabel(label, new Locator.GetByLabelOptions().setExact(true));
    }

    /** "the success message appears at the top of the page". */
    private void assertSuccessMessage(Pattern text) {
        Locator flash = page.locator("main > .flash");
        assertThat(flash).hasCount(1);
        assertThat(flash).hasText(text);
        assertThat(flash).isVisible();
        assertThat(flash).hasAttribute("role", "status");
        assertThat(flash).not().hasClass(Pattern.compile("flash-error"));
        assertEquals(Boolean.TRUE, flash.evaluate("f => f.parentElement.firstElementChild === f"),
                "the message is the first thing in the page's main area");
        BoundingBox message = flash.boundingBox();
        BoundingBox heading = page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setLevel(1)).boundingBox();
        assertTrue(message.y < heading.y, "the message is above the page heading");
    }

    /** {@code text} as a regular expression that both Java and the browser's JavaScript read literally. */
    private static String literal(String text) {
        return text.replaceAll("[\\\\^$.|?*+()\\[\\]{}]", "\\\\$0");
    }

    // ---------------------------------------------------------------- expected values, from outside the page

    private User userOf(long id) {
        return keydesk.primary().database().jdbi().withExtension(UserDao.class, dao -> dao.findById(id)).orElseThrow();
    }

    /** The bot a row stands for, from its name link ({@code /bots/{id}#api-key}). */
    private User botOfRow(String name) {
        String href = row(name).getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName(name).setExact(true))
                .getAttribute("href");
        assertNotNull(href);
        assertTrue(href.matches("/bots/\\d+#api-key"), href);
        User bot = userOf(Long.parseLong(href.substring("/bots/".length(), href.indexOf('#'))));
        assertTrue(bot.isBot(), bot.toString());
        return bot;
    }

    private Http.Response usersMe(User bot, String key) {
        return Http.get(baseUrl + "/api/v1/users/me", Http.basic(bot.email(), key));
    }

    private void assertKeyWorks(User bot, String key) {
        Http.Response me = usersMe(bot, key);
        assertEquals(200, me.status(), "GET /users/me as " + bot.email() + ": " + me.body());
        assertEquals(bot.id(), me.json().path("user_id").asLong(), me.body());
    }

    /** Zulip's 401 UNAUTHORIZED; {@code msg} says why. */
    private void assertKeyRefused(User bot, String key, String msg) {
        Http.Response me = usersMe(bot, key);
        assertEquals(401, me.status(), "GET /users/me as " + bot.email() + ": " + me.body());
        JsonNode body = me.json();
        assertEquals("error", body.path("result").asText(), me.body());
        assertEquals("UNAUTHORIZED", body.path("code").asText(), me.body());
        assertEquals(msg, body.path("msg").asText(), me.body());
    }

    private String clipboard() {
        return (String) page.evaluate("navigator.clipboard.readText()");
    }

    private static Path avatarFile() {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(AVATAR_COLOUR);
        g.fillRect(0, 0, 40, 40);
        g.dispose();
        try {
            Path file = Files.createTempFile("keydesk-avatar", ".png");
            file.toFile().deleteOnExit();
            ImageIO.write(image, "png", file.toFile());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The colour in the middle of the avatar image the row shows, as the browser fetches it. */
    private Color avatarColour(Locator row) {
        String src = row.locator("img.avatar").getAttribute("src");
        assertNotNull(src);
        APIResponse response = page.request().get(baseUrl + src);
        assertEquals(200, response.status(), src);
        try {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(response.body()));
            assertNotNull(image, "not an image: " + src);
            return new Color(image.getRGB(image.getWidth() / 2, image.getHeight() / 2));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void assertSameColour(Color expected, Color actual) {
        assertTrue(Math.abs(expected.getRed() - actual.getRed()) <= 3
                        && Math.abs(expected.getGreen() - actual.getGreen()) <= 3
                        && Math.abs(expected.getBlue() - actual.getBlue()) <= 3,
                "expected " + expected + " but the avatar shows " + actual);
    }

    /** The red dot of a blocked key sits on the top-right corner of its avatar. */
    private static void assertRedDotOnAvatar(Locator row) {
        Locator dot = row.locator(".red-dot");
        assertThat(dot).hasCount(1);
        assertThat(dot).isVisible();
        assertThat(dot).hasCSS("background-color", "rgb(217, 45, 32)");
        BoundingBox avatar = row.locator("img.avatar").boundingBox();
        BoundingBox box = dot.boundingBox();
        double dotX = box.x + box.width / 2;
        double dotY = box.y + box.height / 2;
        double cornerX = avatar.x + avatar.width;
        double cornerY = avatar.y;
        assertTrue(Math.abs(dotX - cornerX) <= 12 && Math.abs(dotY - cornerY) <= 12,
                "the red dot is at (" + dotX + ", " + dotY + "), the avatar's top-right corner at ("
                        + cornerX + ", " + cornerY + ")");
    }

    private void assertNoPageErrors() {
        assertEquals(List.of(), pageErrors, "errors in the page");
    }

    // ---------------------------------------------------------------- tests

    @Test
    void adminFollowsEveryStepOfTheKeysHelp() {
        Fixtures.bot(member, "Weather Reporter");
        Bot watcher = Fixtures.bot(member, "Build Watcher").bot();
        Fixtures.bot(member, "Billing Alerts");
        BrowserSupport.logIn(page, baseUrl, ADMIN_EMAIL, Fixtures.PASSWORD);
        openKeys();
        assertThat(keyRows()).hasCount(3);

        // 1. Find: part of the name in Search; the list narrows by itself after a pause.
        Locator search = page.getByRole(AriaRole.SEARCHBOX, new Page.GetByRoleOptions().setName("Search").setExact(true));
        search.pressSequentially("watch");
        assertThat(page).hasURL(baseUrl + "/keys?q=watch");
        assertThat(search).hasValue("watch");
        assertThat(keyRows()).hasCount(1);
        assertThat(row("Build Watcher")).hasCount(1);
        assertThat(row("Weather Reporter")).hasCount(0);
        assertThat(row("Billing Alerts")).hasCount(0);
        nameLink("Build Watcher").click();
        assertThat(page).hasURL(baseUrl + "/bots/" + watcher.id() + "#api-key");
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setLevel(1))).hasText("Build Watcher");

        // 2. Create: Create API Key → New API Key (avatar, Name, Webhook URL, an account) → Create.
        openKeys();
        Locator newKey = dialog("New API Key");
        assertThat(newKey).not().isVisible();
        BrowserSupport.button(page, "Create API Key").click();
        assertThat(newKey).isVisible();
        assertThat(page).hasURL(baseUrl + "/keys");
        field(newKey, "Avatar (optional)").setInputFiles(avatarFile());
        field(newKey, "Name").fill(NEW_KEY_NAME);
        field(newKey, "Webhook URL").fill(NEW_KEY_WEBHOOK);
        Locator memberBox = newKey.getByRole(AriaRole.CHECKBOX, new Locator.GetByRoleOptions().setName(member.fullName()));
        Locator adminBox = newKey.getByRole(AriaRole.CHECKBOX, new Locator.GetByRoleOptions().setName(admin.fullName()));
        assertThat(memberBox).not().isChecked();
        assertThat(adminBox).isChecked(); // the creator manages the key unless unticked
        adminBox.uncheck();
        memberBox.check();
        dialogButton(newKey, "Create").click();
        assertSuccessMessage(Pattern.compile("^" + literal(NEW_KEY_NAME) + " was created\\.$"));
        assertThat(page).hasURL(baseUrl + "/keys");
        assertThat(newKey).not().isVisible();
        assertThat(keyRows()).hasCount(4);
        Locator created = row(NEW_KEY_NAME);
        assertThat(created).hasCount(1);
        assertThat(created).hasClass(Pattern.compile("\\bchanged\\b"));
        assertThat(created).containsText("Outgoing webhook");
        assertThat(created.getByRole(AriaRole.CELL).nth(OWNERS)).hasText(member.fullName());
        User bot = botOfRow(NEW_KEY_NAME);
        assertEquals(NEW_KEY_NAME, bot.fullName());
        assertThat(created).containsText(bot.email());
        assertSameColour(AVATAR_COLOUR, avatarColour(created));
        String key = Fixtures.keyOf(bot);
        assertKeyWorks(bot, key);
        // The new key is shown once, with its copy button.
        Locator shown = page.getByRole(AriaRole.REGION, new Page.GetByRoleOptions().setName("API key of " + NEW_KEY_NAME));
        assertThat(shown.getByRole(AriaRole.TEXTBOX)).hasValue(key);
        page.evaluate("text => navigator.clipboard.writeText(text)", PLACEHOLDER);
        shown.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("copy " + NEW_KEY_NAME + "'s API key")).click();
        assertThat(shown.getByRole(AriaRole.STATUS)).hasText("Copied to your clipboard.");
        assertEquals(key, clipboard());
        page.reload();
        assertThat(shown).hasCount(0);
        assertThat(page.locator("main > .flash")).hasCount(0);

        // 3. Modify: the edit icon opens Modify API Key with the current data; change the name → Modify.
        Locator modify = dialog("Modify API Key");
        assertThat(modify).not().isVisible();
        icon(hover(NEW_KEY_NAME), AriaRole.LINK, "edit", NEW_KEY_NAME).click();
        assertThat(modify).isVisible();
        assertThat(page).hasURL(baseUrl + "/keys");
        assertThat(field(modify, "Name")).hasValue(NEW_KEY_NAME);
        assertThat(field(modify, "Webhook URL")).hasValue(NEW_KEY_WEBHOOK);
        assertThat(modify.getByRole(AriaRole.CHECKBOX, new Locator.GetByRoleOptions().setName(member.fullName())))
                .isChecked();
        assertThat(modify.getByRole(AriaRole.CHECKBOX, new Locator.GetByRoleOptions().setName(admin.fullName())))
                .not().isChecked();
        field(modify, "Name").fill(MODIFIED_NAME);
        dialogButton(modify, "Modify").click();
        assertSuccessMessage(Pattern.compile("^" + literal(MODIFIED_NAME) + " was modified\\.$"));
        assertThat(page).hasURL(baseUrl + "/keys");
        assertThat(row(MODIFIED_NAME)).hasCount(1);
        assertThat(row(NEW_KEY_NAME)).hasCount(0);
        assertThat(keyRows()).hasCount(4);
        // Only the name changed: owners, type and the key itself stay as they were.
        assertThat(row(MODIFIED_NAME).getByRole(AriaRole.CELL).nth(OWNERS)).hasText(member.fullName());
        assertThat(row(MODIFIED_NAME)).containsText("Outgoing webhook");
        assertEquals(MODIFIED_NAME, userOf(bot.id()).fullName());
        assertEquals(key, Fixtures.keyOf(bot));

        // 4. Copy token: the copy icon puts the key on the clipboard and says so at the top.
        page.evaluate("text => navigator.clipboard.writeText(text)", PLACEHOLDER);
        assertEquals(PLACEHOLDER, clipboard());
        icon(hover(MODIFIED_NAME), AriaRole.LINK, "copy", MODIFIED_NAME).click();
        assertSuccessMessage(Pattern.compile("copied"));
        assertEquals(key, clipboard());
        assertThat(page).hasURL(baseUrl + "/keys");

        // 5. Block: options → Block → Block API Key → Block.
        Locator block = dialog("Block API Key");
        assertThat(row(MODIFIED_NAME).locator(".red-dot")).hasCount(0);
        assertThat(block).not().isVisible();
        chooseOption(MODIFIED_NAME, "Block");
        assertThat(block).isVisible();
        dialogButton(block, "Block").click();
        assertSuccessMessage(Pattern.compile("^" + literal(MODIFIED_NAME) + " was blocked\\. "));
        assertThat(row(MODIFIED_NAME)).hasClass(Pattern.compile("\\bchanged\\b"));
        assertThat(page).hasURL(baseUrl + "/keys");
        assertRedDotOnAvatar(row(MODIFIED_NAME));
        assertThat(keyTable().locator(".red-dot")).hasCount(1);
        assertKeyRefused(bot, key, "Account is deactivated");

        // 6. Unblock: options → Unblock; the same key works again.
        chooseOption(MODIFIED_NAME, "Unblock");
        assertSuccessMessage(Pattern.compile("^" + literal(MODIFIED_NAME) + " was unblocked"));
        assertThat(page).hasURL(baseUrl + "/keys");
        assertThat(row(MODIFIED_NAME)).hasCount(1);
        assertThat(row(MODIFIED_NAME).locator(".red-dot")).hasCount(0);
        assertThat(keyTable().locator(".red-dot")).hasCount(0);
        assertKeyWorks(bot, key);
        assertEquals(key, Fixtures.keyOf(bot), "unblocking keeps the key's value");

        // 7. Delete: options → Delete → Delete API Key → Delete.
        Locator delete = dialog("Delete API Key");
        assertThat(delete).not().isVisible();
        chooseOption(MODIFIED_NAME, "Delete");
        assertThat(delete).isVisible();
        dialogButton(delete, "Delete").click();
        assertSuccessMessage(Pattern.compile("^" + literal(MODIFIED_NAME) + " was deleted\\.$"));
        assertThat(page).hasURL(baseUrl + "/keys");
        assertThat(row(MODIFIED_NAME)).hasCount(0);
        assertThat(keyRows()).hasCount(3);
        assertThat(row("Build Watcher")).hasCount(1);
        assertKeyRefused(bot, key, "Invalid API key");
        assertNoPageErrors();
    }

    @Test
    void cancelInTheBlockAndDeleteDialogsChangesNothing() {
        Bot watcher = Fixtures.bot(member, "Build Watcher").bot();
        User bot = userOf(watcher.id());
        String key = Fixtures.keyOf(bot);
        BrowserSupport.logIn(page, baseUrl, ADMIN_EMAIL, Fixtures.PASSWORD);
        openKeys();
        List<String> posts = Collections.synchronizedList(new ArrayList<>());
        page.onRequest(request -> {
            if (!"GET".equals(request.method())) posts.add(request.method() + " " + request.url());
        });

        Locator block = dialog("Block API Key");
        chooseOption("Build Watcher", "Block");
        assertThat(block).isVisible();
        dialogButton(block, "Cancel").click();
        assertThat(block).not().isVisible();

        Locator delete = dialog("Delete API Key");
        chooseOption("Build Watcher", "Delete");
        assertThat(delete).isVisible();
        dialogButton(delete, "Cancel").click();
        assertThat(delete).not().isVisible();

        assertThat(page).hasURL(baseUrl + "/keys");
        assertEquals(List.of(), posts, "cancelling sends nothing to the server");
        assertThat(page.locator("main > .flash")).hasCount(0);
        assertThat(row("Build Watcher")).hasCount(1);
        assertThat(row("Build Watcher").locator(".red-dot")).hasCount(0);

        // And the server agrees: the key is listed, not blocked, and still works.
        Response reloaded = page.reload();
        assertEquals(200, reloaded.status());
        assertThat(row("Build Watcher")).hasCount(1);
        assertThat(row("Build Watcher").locator(".red-dot")).hasCount(0);
        assertThat(row("Build Watcher")).containsText("Active");
        assertKeyWorks(bot, key);
        assertEquals(key, Fixtures.keyOf(bot));
        assertTrue(userOf(bot.id()).isActive());
        assertNoPageErrors();
    }

    @Test
    void aMemberWhoOpensKeysGetsTheForbiddenPage() {
        Fixtures.bot(member, "Build Watcher");
        BrowserSupport.logIn(page, baseUrl, MEMBER_EMAIL, Fixtures.PASSWORD);
        assertThat(page.getByRole(AriaRole.NAVIGATION, new Page.GetByRoleOptions().setName("Main"))
                .getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName("Your bots").setExact(true)))
                .isVisible();
        assertThat(page.getByRole(AriaRole.NAVIGATION, new Page.GetByRoleOptions().setName("Main"))
                .getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName("Keys").setExact(true)))
                .hasCount(0);

        Response response = page.navigate(baseUrl + "/keys");
        assertEquals(403, response.status());
        assertThat(page).hasURL(baseUrl + "/keys");
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setLevel(1))).hasText("Not allowed");
        assertThat(page.locator("main")).containsText("administrators");
        assertThat(page.getByRole(AriaRole.TABLE)).hasCount(0);
        assertThat(BrowserSupport.button(page, "Create API Key")).hasCount(0);
        assertThat(page.getByText("Build Watcher")).hasCount(0);
        assertNoPageErrors();
    }
}
