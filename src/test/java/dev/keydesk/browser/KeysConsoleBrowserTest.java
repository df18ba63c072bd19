package dev.keydesk.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.ColorScheme;
import dev.keydesk.bot.Bot;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Keys console at real sizes in a real browser: a table whose cells line up with their
 * headers on a desktop and a phone, dialogs that open on Cancel or on their first field and keep
 * what was typed when the server refuses, the options menu, bulk actions, the account picker as
 * you type, and the way back to the same list without JavaScript.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@IntegrationTest
class KeysConsoleBrowserTest {
    private static final String ADMIN_EMAIL = "iago@zulip.com";
    private static final String MEMBER_EMAIL = "cordelia@zulip.com";

    /**
     * Every visible cell of every body row against the visible header cell above it: same left
     * edge, same width. Answers the rows that do not line up (none, in a real table).
     */
    private static final String MISALIGNED_CELLS = """
            table => {
              const visible = cells => [...cells].filter(c => c.getClientRects().length > 0);
              const heads = visible(table.tHead.rows[0].cells).map(c => c.getBoundingClientRect());
              const problems = [];
              for (const row of table.tBodies[0].rows) {
                const cells = visible(row.cells).map(c => c.getBoundingClientRect());
                if (cells.length !== heads.length) {
                  problems.push(`row ${row.rowIndex}: ${cells.length} cells under ${heads.length} headers`);
                  continue;
                }
                cells.forEach((c, i) => {
                  if (Math.abs(c.left - heads[i].left) > 1 || Math.abs(c.width - heads[i].width) > 1) {
                    problems.push(`row ${row.rowIndex} cell ${i}: x ${c.left}, width ${c.width} under x ${heads[i].left}, width ${heads[i].width}`);
                  }
                });
              }
              return problems;
            }""";

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

    private void openKeys(Page on) {
        BrowserSupport.logIn(on, baseUrl, ADMIN_EMAIL, Fixtures.PASSWORD);
        on.navigate(baseUrl + "/keys");
        on.waitForLoadState(com.microsoft.playwright.options.LoadState.LOAD);
    }

    private static Locator keyTable(Page on) {
        return on.getByRole(AriaRole.REGION, new Page.GetByRoleOptions().setName("API keys").setExact(true))
                .getByRole(AriaRole.TABLE);
    }

    private static Locator row(Page on, String name) {
        return keyTable(on).locator("tbody tr").filter(new Locator.FilterOptions().setHas(
                on.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName(name).setExact(true))));
    }

    private Locator dialog(String name) {
        return page.getByRole(AriaRole.DIALOG, new Page.GetByRoleOptions().setName(name).setExact(true));
    }

    private static Locator button(Locator scope, String name) {
        return scope.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName(name).setExact(true));
    }

    private Locator flash() {
        return page.locator("main > .flash");
    }

    /** Lines up and fits: the assertions of one page size. */
    private void assertTableFits(Page on, int width) {
        Locator table = keyTable(on);
        assertThat(table).isVisible();
        @SuppressWarnings("unchecked")
        List<String> misaligned = (List<String>) table.evaluate(MISALIGNED_CELLS);
        assertEquals(List.of(), misaligned, "cells that do not line up with their headers at " + width + " px");
        // The page's own content never reaches past the window (the header's navigation is the layout's).
        @SuppressWarnings("unchecked")
        List<String> overflowing = (List<String>) on.evaluate("""
                [...document.querySelectorAll('main, main *')]
                  .filter(e => e.getClientRects().length > 0 && !e.closest('dialog:not([open])'))
                  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
                  .filter(e => !e.closest('.table-scroll') || e.classList.contains('table-scroll'))
                  .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ends at ' + e.getBoundingClientRect().right)""");
        assertEquals(List.of(), overflowing, "the Keys page reaches past the window at " + width + " px");
        assertTrue(((Number) on.evaluate("document.querySelector('main').scrollWidth - document.querySelector('main').clientWidth"))
                .doubleValue() <= 0, "the main area scrolls sideways at " + width + " px");
        double search = ((Number) on.locator("form.keys-search").evaluate("f => f.getBoundingClientRect().right")).doubleValue();
        assertTrue(search <= width, "the search form ends at " + search + " px of " + width);
        // A key with a usual name and a long owner's name takes a line or two, not a screen.
        Locator usual = keyTable(on).locator("tbody tr").filter(new Locator.FilterOptions().setHasText("Deploy Bot"));
        double rowHeight = ((Number) usual.first().evaluate("r => r.getBoundingClientRect().height")).doubleValue();
        assertTrue(rowHeight < 90, "a row is " + rowHeight + " px high at " + width + " px");
        // The scroll box around the table can be reached with the keyboard.
        Locator box = on.getByRole(AriaRole.REGION, new Page.GetByRoleOptions().setName("API keys table").setExact(true));
        assertThat(box).hasAttribute("tabindex", "0");
        box.focus();
        assertThat(box).isFocused();
    }

    @Test
    void rowsLineUpWithTheirHeadersAndNothingScrollsSidewaysOnADesktopAndAPhone() {
        User longOwner = Fixtures.user("a.person.with.a.rather.long.address@a-long-subdomain.zulip.com",
                "Someone With A Rather Long Name", Role.MEMBER);
        for (int i = 0; i < 25; i++) {
            Bot b = Fixtures.bot(i % 2 == 1 ? member : longOwner, String.format("Deploy Bot %02d", i)).bot();
            if (i % 5 == 0) Fixtures.deactivateBot(b.id());
        }
        Fixtures.bot(longOwner, "A bot whose name is long enough to wrap inside its own cell of the table");
        // An expiry's words widen their column too.
        Fixtures.setBotKeyExpiry(Fixtures.bot(member, "Deploy Bot expiring").bot().id(),
                TestKeydesk.CLOCK.instant().plus(Duration.ofDays(3)).plus(Duration.ofHours(2)));

        page.setViewportSize(1280, 900);
        openKeys(page);
        assertTableFits(page, 1280);
        assertEquals(page.evaluate("document.documentElement.clientWidth"), page.evaluate("document.documentElement.scrollWidth"),
                "the whole page scrolls sideways at 1280 px");
        // On a laptop every column shows, the row's actions and the month's use too: the table's box has nothing to scroll to.
        Locator box = page.getByRole(AriaRole.REGION, new Page.GetByRoleOptions().setName("API keys table").setExact(true));
        assertEquals(0, ((Number) box.evaluate("b => b.scrollWidth - b.clientWidth")).intValue(),
                "the Keys table scrolls sideways in its box at 1280 px");
        assertThat(keyTable(page).locator("tbody tr")).hasCount(27);

        page.setViewportSize(390, 844);
        page.reload();
        assertTableFits(page, 390);
        assertEquals(List.of(), pageErrors);
    }

    @Test
    void onATouchScreenTheRowActionsAreAtFullStrengthWithoutHovering() {
        Fixtures.bot(member, "Deploy Bot");
        BrowserContext phone = browser.newPhoneContext();
        try {
            Page onPhone = phone.newPage();
            openKeys(onPhone);
            assertEquals(Boolean.TRUE, onPhone.evaluate("matchMedia('(hover: none)').matches"), "a phone cannot hover");
            for (Locator icon : row(onPhone, "Deploy Bot").locator(".hover-actions .icon-button").all()) {
                assertThat(icon).hasCSS("opacity", "1");
            }
            assertTableFits(onPhone, 390);
        } finally {
            phone.close();
        }
    }

    @Test
    void dialogsOpenSafelyAndARefusalKeepsWhatWasTyped() {
        Fixtures.bot(member, "Deploy Bot");
        openKeys(page);

        // A form dialog opens on Name; a refusal keeps the dialog and every value, the message tied to its field.
        BrowserSupport.button(page, "Create API Key").click();
        Locator newKey = dialog("New API Key");
        Locator name = newKey.getByLabel("Name", new Locator.GetByLabelOptions().setExact(true));
        assertThat(name).isFocused();
        name.fill("Deploy Bot");
        newKey.getByLabel("Webhook URL", new Locator.GetByLabelOptions().setExact(true)).fill("https://ci.example.com/hook");
        newKey.getByRole(AriaRole.CHECKBOX, new Locator.GetByRoleOptions().setName(member.fullName())).check();
        button(newKey, "Create").click();
        Locator error = newKey.getByRole(AriaRole.ALERT);
        assertThat(error).hasText("Name is already in use!");
        assertThat(newKey).isVisible();
        assertThat(name).isFocused();
        assertThat(name).hasAttribute("aria-invalid", "true");
        assertThat(name).hasAttribute("aria-describedby", Pattern.compile("\\b" + error.getAttribute("id") + "\\b"));
        assertThat(name).hasValue("Deploy Bot");
        assertThat(newKey.getByLabel("Webhook URL", new Locator.GetByLabelOptions().setExact(true))).hasValue("https://ci.example.com/hook");
        assertThat(newKey.getByRole(AriaRole.CHECKBOX, new Locator.GetByRoleOptions().setName(member.fullName()))).isChecked();
        assertThat(newKey.getByRole(AriaRole.CHECKBOX, new Locator.GetByRoleOptions().setName(admin.fullName()))).isChecked();
        assertEquals(1, Fixtures.count("SELECT count(*) FROM users WHERE is_bot"));
        name.fill("Deploy Bot Two");
        button(newKey, "Create").click();
        assertThat(flash()).hasText("Deploy Bot Two was created.");
        assertThat(flash()).hasAttribute("role", "status");
        assertEquals(2, Fixtures.count("SELECT count(*) FROM bot_owners o JOIN users u ON u.id = o.bot_id WHERE u.full_name = 'Deploy Bot Two'"));

        // The options menu is a disclosure of buttons: Escape closes it and gives the focus back.
        Locator deployRow = row(page, "Deploy Bot");
        deployRow.hover();
        Locator options = deployRow.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions()
                .setName("options for Deploy Bot's API key").setExact(true));
        Locator menu = deployRow.locator("details.menu");
        options.click();
        assertThat(button(deployRow, "Block")).isVisible();
        button(deployRow, "Block").focus();
        page.keyboard().press("Escape");
        assertThat(menu).not().hasAttribute("open", "");
        assertThat(options).isFocused();

        // A question opens on Cancel, closes the menu, and Cancel gives the focus back to the menu's button.
        options.click();
        button(deployRow, "Block").click();
        Locator block = dialog("Block API Key");
        assertThat(block).isVisible();
        assertThat(button(block, "Cancel")).isFocused();
        assertThat(menu).not().hasAttribute("open", "");
        page.keyboard().press("Enter"); // Enter on the focused Cancel: nothing is blocked
        assertThat(block).not().isVisible();
        assertThat(options).isFocused();
        assertEquals(0, Fixtures.count("SELECT count(*) FROM users WHERE is_bot AND NOT is_active"));

        options.click();
        button(deployRow, "Delete").click();
        Locator delete = dialog("Delete API Key");
        assertThat(button(delete, "Cancel")).isFocused();
        page.keyboard().press("Escape");
        assertThat(delete).not().isVisible();
        assertThat(menu).not().hasAttribute("open", "");
        assertEquals(2, Fixtures.count("SELECT count(*) FROM users WHERE is_bot"));
        assertEquals(List.of("HTTP 400 for " + baseUrl + "/keys"), pageErrors, "only the refusal the test asked for");
    }

    @Test
    void bulkBlockAsksOnceNamingTheCount() {
        List<Bot> bots = new ArrayList<>();
        for (String name : List.of("Alpha Bot", "Bravo Bot", "Charlie Bot", "Delta Bot")) bots.add(Fixtures.bot(member, name).bot());
        openKeys(page);
        for (String name : List.of("Alpha Bot", "Bravo Bot", "Delta Bot")) {
            row(page, name).getByRole(AriaRole.CHECKBOX, new Locator.GetByRoleOptions().setName("Select " + name)).check();
        }
        Locator bulk = page.locator("#bulk-keys");
        assertThat(bulk).containsText("With the 3 selected keys");
        button(bulk, "Block").click();
        Locator question = dialog("Block 3 keys?");
        assertThat(question).isVisible();
        assertThat(button(question, "Cancel")).isFocused();
        button(question, "Block").click();
        assertThat(flash()).hasText("3 keys were blocked: Alpha Bot, Bravo Bot and Delta Bot.");
        assertThat(keyTable(page).locator("tr.changed")).hasCount(3);
        assertThat(row(page, "Charlie Bot")).not().hasClass(Pattern.compile("changed"));
        assertEquals(3, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'bot_deactivated'"));
        assertThat(keyTable(page).locator(".red-dot")).hasCount(3);

        // Select all, then nothing: the bulk form says so instead of asking.
        Locator all = keyTable(page).getByRole(AriaRole.CHECKBOX, new Locator.GetByRoleOptions().setName("Select every key on this page"));
        all.check();
        assertThat(bulk).containsText("With the 4 selected keys");
        all.uncheck();
        button(bulk, "Delete").click();
        assertThat(flash()).hasText("Select at least one key in the list first.");
        assertThat(page.getByRole(AriaRole.DIALOG)).hasCount(0);
        assertEquals(4, Fixtures.count("SELECT count(*) FROM users WHERE is_bot"));
        assertEquals(List.of(), pageErrors);
    }

    @Test
    void thePickerSearchesAsYouTypeAndATickedAccountJoinsTheChosen() {
        Fixtures.execute("""
                INSERT INTO users (email, full_name, role, is_active)
                SELECT format('person-%s@zulip.com', lpad(n::text, 4, '0')), format('Person %s', lpad(n::text, 4, '0')), 400, true
                FROM generate_series(1, 300) n""");
        openKeys(page);
        BrowserSupport.button(page, "Create API Key").click();
        Locator newKey = dialog("New API Key");
        Locator chosen = newKey.getByRole(AriaRole.LIST, new Locator.GetByRoleOptions().setName("Chosen accounts"));
        Locator results = newKey.getByRole(AriaRole.LIST, new Locator.GetByRoleOptions().setName("Matching accounts"));
        assertThat(chosen.getByRole(AriaRole.CHECKBOX)).hasCount(1);
        assertThat(results.getByRole(AriaRole.CHECKBOX)).hasCount(20);
        newKey.getByLabel("Find an account").pressSequentially("person-025");
        assertThat(results.getByRole(AriaRole.CHECKBOX)).hasCount(10);
        results.getByRole(AriaRole.CHECKBOX, new Locator.GetByRoleOptions().setName("Person 0252")).check();
        assertThat(chosen.getByRole(AriaRole.CHECKBOX)).hasCount(2);
        assertThat(chosen.getByRole(AriaRole.CHECKBOX, new Locator.GetByRoleOptions().setName("Person 0252"))).isChecked();
        newKey.getByLabel("Name", new Locator.GetByLabelOptions().setExact(true)).fill("Picked Bot");
        newKey.getByLabel("Name", new Locator.GetByLabelOptions().setExact(true)).press("Enter");
        assertThat(flash()).hasText("Picked Bot was created.");
        assertThat(row(page, "Picked Bot").getByRole(AriaRole.CELL).nth(2)).hasText("Iago, Person 0252");
        assertEquals(List.of(), pageErrors);
    }

    @Test
    void aBotsOwnersAreChosenWithTheSamePicker() {
        Bot owned = Fixtures.bot(member, "Owned Bot").bot();
        BrowserSupport.logIn(page, baseUrl, MEMBER_EMAIL, Fixtures.PASSWORD);
        page.navigate(baseUrl + "/bots/" + owned.id() + "/edit");
        Locator owners = page.getByRole(AriaRole.GROUP, new Page.GetByRoleOptions().setName("Owners (members who manage this bot)"));
        Locator chosen = owners.getByRole(AriaRole.LIST, new Locator.GetByRoleOptions().setName("Chosen accounts"));
        assertThat(chosen.getByRole(AriaRole.CHECKBOX)).hasCount(1);
        // A member finds someone they share no bot with by the whole e-mail address.
        owners.getByLabel("Find an account").pressSequentially(ADMIN_EMAIL);
        Locator iago = owners.getByRole(AriaRole.LIST, new Locator.GetByRoleOptions().setName("Matching accounts"))
                .getByRole(AriaRole.CHECKBOX, new Locator.GetByRoleOptions().setName(admin.fullName()));
        assertThat(iago).hasCount(1);
        iago.check();
        assertThat(chosen.getByRole(AriaRole.CHECKBOX)).hasCount(2);
        BrowserSupport.button(page, "Save changes").click();
        assertThat(page).hasURL(baseUrl + "/bots/" + owned.id());
        assertEquals(2, Fixtures.count("SELECT count(*) FROM bot_owners WHERE bot_id = " + owned.id()));
        assertEquals(List.of(), pageErrors);
    }

    @Test
    void typingSlowlyIntoTheSearchKeepsEveryKeystrokeAndTheFocus() {
        for (String name : List.of("load01", "load02", "road01", "Deploy Bot")) Fixtures.bot(member, name);
        openKeys(page);
        // A page that reloads loses this mark; updating the list in place keeps it.
        page.evaluate("() => { window.keydeskNotReloaded = true; }");
        Locator search = page.getByRole(AriaRole.SEARCHBOX, new Page.GetByRoleOptions().setName("Search").setExact(true));
        search.click();
        // One key every half second: slower than the pause after which the list follows the search.
        search.pressSequentially("load01", new Locator.PressSequentiallyOptions().setDelay(500));
        assertThat(keyTable(page).locator("tbody tr")).hasCount(1);
        assertThat(row(page, "load01")).hasCount(1);
        assertThat(search).hasValue("load01");
        assertThat(search).isFocused();
        assertEquals(6, ((Number) search.evaluate("f => f.selectionStart")).intValue(), "the caret stays at the end");
        assertEquals(Boolean.TRUE, page.evaluate("() => window.keydeskNotReloaded === true"), "the page reloaded");
        assertThat(page).hasURL(baseUrl + "/keys?q=load01");
        assertThat(page.locator("[data-search-status]")).hasText("1 API key matches.");

        // The new rows work as the first ones did: selection, the options menu and its question.
        Locator found = row(page, "load01");
        found.getByRole(AriaRole.CHECKBOX, new Locator.GetByRoleOptions().setName("Select load01")).check();
        assertThat(page.locator("#bulk-keys")).containsText("With the 1 selected key");
        found.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("options for load01's API key")).click();
        button(found, "Block").click();
        Locator block = dialog("Block API Key");
        assertThat(block).isVisible();
        assertThat(block).containsText("The key of load01 will");
        page.keyboard().press("Escape");
        // The field outside a modal dialog cannot take the focus until the dialog has closed.
        assertThat(block).isHidden();
        // Every form that returns to the list returns to this search.
        for (Object back : (List<?>) page.evaluate("() => [...document.querySelectorAll('input[name=back]')].map(i => i.value)")) {
            assertEquals("/keys?q=load01", back);
        }

        // Emptying the field brings every key back.
        search.press("Control+A");
        search.press("Backspace");
        assertThat(search).hasValue("");
        // The status says what the list shows, or why the search did not work.
        assertThat(page.locator("[data-search-status]")).hasText("4 API keys match.");
        assertThat(keyTable(page).locator("tbody tr")).hasCount(4);
        assertThat(page).hasURL(baseUrl + "/keys");
        assertThat(search).isFocused();
        assertEquals(List.of(), pageErrors);
    }

    /**
     * Every item of the options menu of {@code row}, opened, lies inside the window and is what
     * the browser finds at its centre (nothing covers or clips it), and the row keeps its height.
     */
    private void assertMenuOpensFullyVisible(Page on, String name, int width) {
        Locator target = row(on, name);
        target.scrollIntoViewIfNeeded();
        double before = target.boundingBox().height;
        target.hover();
        target.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("options for " + name + "'s API key")).click();
        Locator items = target.locator(".menu-items button");
        assertThat(items.first()).isVisible();
        assertEquals(3, items.count());
        on.mouse().move(1, 1); // the pointer away: hovering the row changes nothing
        double viewportWidth = ((Number) on.evaluate("document.documentElement.clientWidth")).doubleValue();
        double viewportHeight = ((Number) on.evaluate("window.innerHeight")).doubleValue();
        for (Locator item : items.all()) {
            var box = item.boundingBox();
            String what = "\"" + item.textContent().trim() + "\" at " + width + " px (" + box.x + ", " + box.y + ", " + box.width + " x " + box.height + ")";
            assertTrue(box.x >= 0 && box.y >= 0 && box.x + box.width <= viewportWidth && box.y + box.height <= viewportHeight,
                    what + " lies outside the " + viewportWidth + " x " + viewportHeight + " window");
            assertEquals(Boolean.TRUE, item.evaluate("""
                    b => { const r = b.getBoundingClientRect();
                           const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                           return hit === b || b.contains(hit); }"""), what + " is hidden or cut off");
        }
        assertEquals(before, target.boundingBox().height, 0.5, "the open menu changes the row's height at " + width + " px");
        on.keyboard().press("Escape");
    }

    @Test
    void theOptionsMenuOpensWhollyVisibleOverTheTable() {
        User longOwner = Fixtures.user("a.person.with.a.rather.long.address@a-long-subdomain.zulip.com",
                "Someone With A Rather Long Name", Role.MEMBER);
        Fixtures.bot(member, "Alpha Bot");
        Fixtures.bot(longOwner, "A bot whose name is long enough to wrap inside its own cell of the table");
        Fixtures.bot(longOwner, "Zulu Bot");
        openKeys(page);
        for (int width : List.of(1280, 390)) {
            page.setViewportSize(width, width == 390 ? 844 : 900);
            page.navigate(baseUrl + "/keys");
            assertMenuOpensFullyVisible(page, "Alpha Bot", width);
            assertMenuOpensFullyVisible(page, "Zulu Bot", width);
        }
        assertEquals(List.of(), pageErrors);
    }

    @Test
    void withoutJavaScriptAnOpenMenuIsReadableWhenThePointerAndTheFocusAreElsewhere() {
        Fixtures.bot(member, "Deploy Bot");
        BrowserContext plain = browser.newContextWithoutJavaScript();
        try {
            Page noScript = plain.newPage();
            BrowserSupport.logIn(noScript, baseUrl, ADMIN_EMAIL, Fixtures.PASSWORD);
            noScript.navigate(baseUrl + "/keys");
            Locator deployRow = row(noScript, "Deploy Bot");
            deployRow.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("options for Deploy Bot's API key")).click();
            assertThat(button(deployRow, "Delete")).isVisible();
            // A click on plain text elsewhere: the disclosure stays open, the row is neither hovered nor focused.
            noScript.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Keys").setLevel(1)).click();
            noScript.mouse().move(1, 1);
            assertThat(button(deployRow, "Delete")).isVisible();
            assertEquals(Boolean.FALSE, deployRow.evaluate("r => r.matches(':hover, :focus-within')"));
            for (ColorScheme scheme : List.of(ColorScheme.LIGHT, ColorScheme.DARK)) {
                noScript.emulateMedia(new Page.EmulateMediaOptions().setColorScheme(scheme));
                List<String> contrast = PageChecks.axeViolations(noScript).stream().filter(v -> v.startsWith("color-contrast")).toList();
                assertEquals(List.of(), contrast, "in the " + scheme + " scheme");
            }
        } finally {
            plain.close();
        }
    }

    @Test
    void withoutJavaScriptAConfirmedActionReturnsToTheSameSearchSortAndPage() {
        for (int i = 0; i < 55; i++) Fixtures.bot(member, String.format("Plain %02d", i));
        BrowserContext plain = browser.newContextWithoutJavaScript();
        try {
            Page noScript = plain.newPage();
            BrowserSupport.logIn(noScript, baseUrl, ADMIN_EMAIL, Fixtures.PASSWORD);
            noScript.navigate(baseUrl + "/keys?q=Plain&sort=created");
            noScript.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Next").setExact(true)).click();
            String here = noScript.url();
            assertTrue(here.contains("after="), here);
            Locator first = keyTable(noScript).locator("tbody tr").first();
            String name = first.getAttribute("data-name");
            first.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("options for " + name + "'s API key")).click();
            first.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Block").setExact(true)).click();
            assertThat(noScript.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setLevel(1))).hasText("Block API Key");
            assertThat(noScript.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Cancel"))).hasAttribute("href",
                    here.substring(baseUrl.length()));
            noScript.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Block").setExact(true)).click();
            assertThat(noScript).hasURL(here);
            assertThat(noScript.locator("main > .flash")).hasText(name + " was blocked. Its key authenticates nothing until it is unblocked.");
            assertThat(row(noScript, name)).hasClass(Pattern.compile("changed"));
            assertThat(row(noScript, name).locator(".red-dot")).hasCount(1);
        } finally {
            plain.close();
        }
    }
}
