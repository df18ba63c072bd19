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
import dev.keydesk.bot.BotType;
import dev.keydesk.devicegrant.UserCode;
import dev.keydesk.guard.Access;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.Mails;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.TestTotp;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import jakarta.mail.internet.MimeMessage;
import java.util.ArrayList;
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
 * Every page of Keydesk, in every state worth seeing (dialogs and menus open, errors shown), at a
 * desktop window (1280×900) and a phone (390×844), through {@link PageChecks}: no serious or
 * critical axe violation, no sideways scroll, table cells under their headers. Problems are
 * gathered over the whole walk and reported together.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@IntegrationTest
class EveryPageBrowserTest {
    private record Size(String name, int width, int height) {}

    private static final List<Size> SIZES = List.of(new Size("1280x900", 1280, 900), new Size("390x844", 390, 844));
    private static final String ADMIN_EMAIL = "iago@zulip.com";
    private static final String MEMBER_EMAIL = "cordelia@zulip.com";

    private final TestKeydesk keydesk = TestKeydesk.get();
    private BrowserSupport browser;
    private BrowserContext context;
    private Page page;
    private String baseUrl;
    private final List<String> problems = new ArrayList<>();
    private int checked;

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
        context = browser.newContext(baseUrl);
        page = context.newPage();
        problems.clear();
        checked = 0;
    }

    @AfterEach
    void tearDown() {
        if (context != null) context.close();
    }

    /** Opens a state of a page at each size ({@code open} runs once per size) and checks it there. */
    private void check(String what, Runnable open) {
        for (Size size : SIZES) {
            page.setViewportSize(size.width(), size.height());
            open.run();
            problems.addAll(PageChecks.problems(page, what + " at " + size.name()));
            checked++;
        }
    }

    private void go(String path) {
        page.navigate(baseUrl + path);
        page.waitForLoadState(com.microsoft.playwright.options.LoadState.LOAD);
    }

    private Locator button(String name) {
        return BrowserSupport.button(page, name);
    }

    /** Submits the form posting to {@code action} without its script, as a browser without JavaScript would. */
    private void submitPlainly(String action) {
        page.waitForNavigation(() -> page.locator("form[action='" + action + "']").first().evaluate("f => f.submit()"));
        page.waitForLoadState(com.microsoft.playwright.options.LoadState.LOAD);
    }

    /** Clicks a control that submits a form and waits for the page the answer loads. */
    private void clickAndLoad(Locator control) {
        page.waitForNavigation(control::click);
        page.waitForLoadState(com.microsoft.playwright.options.LoadState.LOAD);
    }

    private void assertNoProblems() {
        System.out.printf("EveryPageBrowserTest: %d page states checked, %d problems%n", checked, problems.size());
        problems.forEach(p -> System.out.println("  " + p));
        assertTrue(problems.isEmpty(), problems.size() + " problems:\n" + String.join("\n", problems));
    }

    @Test
    void theChecksFindWhatTheyLookFor() {
        page.setViewportSize(390, 844);
        go("/login");
        page.evaluate("""
                () => {
                  // styles set through the DOM: the page's Content-Security-Policy refuses style attributes
                  const main = document.querySelector('main');
                  main.insertAdjacentHTML('beforeend', '<img src="/static/keydesk-icon.svg" width="20" height="20">'
                    + '<div id="too-wide">wide</div>'
                    + '<table><thead><tr><th>A</th><th>B</th></tr></thead>'
                    + '<tbody><tr id="boxed-row"><td>one</td><td>two</td></tr></tbody></table>');
                  document.getElementById('too-wide').style.width = '900px';
                  document.getElementById('boxed-row').style.display = 'flex';
                }""");
        List<String> found = PageChecks.problems(page, "a broken page");
        assertTrue(found.stream().anyMatch(p -> p.contains("axe: image-alt")), found.toString());
        assertTrue(found.stream().anyMatch(p -> p.contains("scrolls sideways")), found.toString());
        assertTrue(found.stream().anyMatch(p -> p.contains("the cell under \"A\"")), found.toString());
    }

    @Test
    void pagesBeforeSetupAndWithoutAnAccount() {
        String token = Fixtures.setupToken();
        check("login before setup", () -> {
            go("/login");
            assertThat(page.locator("#setup-waiting")).containsText("setup");
        });
        check("setup", () -> go("/setup/" + token));
        check("setup with an error", () -> {
            go("/setup/" + token);
            page.getByLabel("Organization name").fill("Acme");
            page.getByLabel("Your full name").fill("Desdemona");
            page.getByLabel("Your e-mail address").fill("desdemona@zulip.com");
            page.getByLabel("Password", new Page.GetByLabelOptions().setExact(true)).fill("a long password");
            page.getByLabel("Password again").fill("another long password");
            clickAndLoad(button("Create organization"));
        });

        User member = Fixtures.member(MEMBER_EMAIL);
        check("login", () -> go("/login"));
        check("login with an error", () -> {
            go("/login");
            page.getByLabel("E-mail address").fill(MEMBER_EMAIL);
            page.getByLabel("Password", new Page.GetByLabelOptions().setExact(true)).fill("not the password");
            button("Log in").click();
            assertThat(page.getByRole(AriaRole.ALERT)).isVisible();
        });
        check("password reset request", () -> go("/accounts/password/reset"));
        go("/accounts/password/reset");
        page.getByLabel("E-mail address").fill(member.email());
        clickAndLoad(page.locator("main form button[type=submit]"));
        check("password reset requested", () -> { /* the page the request led to */ });
        String resetPath = resetPath();
        check("new password", () -> go(resetPath));
        check("not found", () -> go("/no-such-page"));
        check("invitation that does not exist", () -> go("/invite/not-a-token"));
        assertNoProblems();
    }

    @Test
    void everyPageOfAnAdministrator() {
        User admin = Fixtures.user(ADMIN_EMAIL, "Iago", Role.ADMIN);
        User member = Fixtures.member(MEMBER_EMAIL);
        Bot deploy = Fixtures.bot(admin, "Deploy Bot").bot();
        Bot outgoing = Fixtures.newBot("Outgoing Helper").webhook("https://hooks.example.com/a-rather-long/path/for/the/webhook")
                .createdBy(admin).bot();
        Fixtures.regenerateBotKey(outgoing.id()); // a webhook delivery to list
        Fixtures.newBot("Cordelia's Reminder Bot").type(BotType.INCOMING_WEBHOOK).createdBy(member);
        long service = Fixtures.service("Grafana", "Dashboards for the on-call team", Access.CHOSEN, 60).service().id();
        Fixtures.addToService(service, member.id());
        Fixtures.invite(admin, "a.rather.long.address.for.an.invitee@subdomain.example.com");
        Fixtures.deviceKey(admin, "ZulipMobile", "ZulipMobile/27.1 (iOS 17)", "203.0.113.7");
        long device = Fixtures.count("SELECT id FROM devices WHERE client = 'ZulipMobile'");
        // A month of use in every outcome for the bot's key and the device's, so their charts, tables and sparklines show.
        Fixtures.execute("""
                INSERT INTO key_usage_hourly (key_id, hour, service_id, outcome, count)
                SELECT k.id, date_trunc('hour', now()) - d * interval '1 day', 0, o, 5 + d
                FROM api_keys k, generate_series(0, 20) d,
                     unnest(ARRAY['allowed', 'invalid', 'deactivated', 'forbidden', 'rate_limited', 'expired']) o
                WHERE k.revoked_at IS NULL AND (k.device_id IS NOT NULL OR k.user_id = %d)""".formatted(deploy.id()));
        BrowserSupport.logIn(page, baseUrl, ADMIN_EMAIL, Fixtures.PASSWORD);

        // Account & privacy, through every state of the API key panel
        check("account", () -> go("/account"));
        check("account, a device's use open", () -> {
            go("/account");
            page.locator("details.usage-device summary").first().click();
            page.locator("details.usage-device details.usage-numbers summary").first().click();
            assertThat(page.locator("details.usage-device table.usage-days").first()).isVisible();
        });
        check("account, password dialog", () -> {
            go("/account");
            button("Manage your API key").click();
            assertThat(page.locator("#api-key-dialog")).isVisible();
        });
        check("limits of your keys", () -> go("/account/api-key/limits"));
        check("limits of a device's key", () -> go("/account/devices/" + device + "/limits"));
        check("account, password prompt without JavaScript", () -> go("/account/api-key"));
        check("account, wrong password", () -> {
            go("/account/api-key");
            page.getByLabel("Your password", new Page.GetByLabelOptions().setExact(true)).fill("not my password");
            button("Get API key").click();
            assertThat(page.getByRole(AriaRole.ALERT)).isVisible();
        });
        go("/account/api-key");
        page.getByLabel("Your password", new Page.GetByLabelOptions().setExact(true)).fill(Fixtures.PASSWORD);
        button("Get API key").click();
        page.waitForURL(baseUrl + "/account/api-key/shown");
        check("account, the key", () -> go("/account/api-key/shown"));
        check("account, regenerate dialog", () -> {
            go("/account/api-key/shown");
            button("Generate new API key").click();
            assertThat(page.locator("#regenerate-dialog")).isVisible();
        });
        check("account, regenerate question without JavaScript", () -> {
            go("/account/api-key/shown");
            submitPlainly("/account/api-key/regenerate");
        });

        // Signing in a device with a code: each state from a request of its own, as each size needs one
        check("sign in a device", () -> go("/device"));
        check("sign in a device, no device waits for the code", () -> {
            go("/device");
            page.getByLabel("Code shown on the device").fill("BBBB-BBBB");
            clickAndLoad(button("Continue"));
            assertThat(page.getByRole(AriaRole.ALERT)).isVisible();
        });
        check("sign in a device, the request", () -> reviewDeviceLogin());
        check("sign in a device, the request with its key's limits open", () -> {
            reviewDeviceLogin();
            page.locator("#device-limits summary").click();
            assertThat(page.locator("#device-limits-bound")).isVisible();
        });
        check("sign in a device, limits refused", () -> {
            reviewDeviceLogin();
            page.locator("#device-limits summary").click();
            page.locator("#device-limits-ranges").fill("10.0.0.0/33");
            clickAndLoad(button("Approve"));
            assertThat(page.locator("#device-limits-error")).isVisible();
        });
        check("sign in a device, approved", () -> {
            reviewDeviceLogin();
            clickAndLoad(button("Approve"));
            assertThat(page.locator("h1")).containsText("is signed in");
        });
        check("sign in a device, denied", () -> {
            reviewDeviceLogin();
            clickAndLoad(button("Deny"));
            assertThat(page.locator("h1")).containsText("denied");
        });

        // Your bots and a bot
        check("your bots", () -> {
            go("/bots");
            assertThat(page.locator("table.bots tbody tr")).hasCount(2);
        });
        check("your bots, deactivate dialog", () -> {
            go("/bots");
            page.getByRole(AriaRole.ROW, new Page.GetByRoleOptions().setName("Deploy Bot"))
                    .getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("block bot Deploy Bot")).click();
            assertThat(page.locator("#deactivate-dialog")).isVisible();
        });
        check("your bots, deactivate question without JavaScript", () -> {
            go("/bots");
            submitPlainly("/bots/" + deploy.id() + "/deactivate");
        });
        check("your bots, inactive", () -> go("/bots?tab=inactive"));
        check("your bots, a search", () -> go("/bots?q=deploy"));
        check("add a bot", () -> go("/bots/new"));
        check("add a bot, with an error", () -> {
            go("/bots/new");
            page.getByLabel("Name", new Page.GetByLabelOptions().setExact(true)).fill("Deploy Bot"); // taken: the server refuses it
            page.getByLabel("Short name").fill("deploy-again");
            clickAndLoad(button("Create bot"));
            assertThat(page.getByRole(AriaRole.ALERT)).isVisible();
        });
        check("a bot", () -> go("/bots/" + deploy.id()));
        check("a bot, regenerate dialog", () -> {
            go("/bots/" + deploy.id());
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("generate new API key")).first().click();
            assertThat(page.locator("#regenerate-dialog")).isVisible();
        });
        check("edit a bot", () -> go("/bots/" + deploy.id() + "/edit"));
        check("limits of a bot's key", () -> go("/bots/" + deploy.id() + "/api-key/limits"));
        check("an outgoing-webhook bot with deliveries", () -> {
            go("/bots/" + outgoing.id());
            assertThat(page.locator("table.deliveries tbody tr")).hasCount(1);
        });

        // Keys console
        check("keys", () -> go("/keys"));
        check("keys, new key dialog", () -> {
            go("/keys");
            button("Create API Key").click();
            assertThat(page.locator("#new-key-dialog")).isVisible();
        });
        check("keys, modify dialog", () -> {
            go("/keys");
            page.locator("[data-modify-key='/keys/" + deploy.id() + "/edit']").click();
            assertThat(page.locator("#modify-key-dialog")).isVisible();
        });
        check("keys, options and block dialog", () -> {
            go("/keys");
            page.locator("form[action='/keys/" + deploy.id() + "/block']").evaluate(
                    "f => f.requestSubmit()");
            assertThat(page.locator("#block-dialog")).isVisible();
        });
        check("keys, a search", () -> go("/keys?q=deploy"));
        check("keys, failing", () -> go("/keys?use=failing"));
        check("keys, a search typed slowly", () -> {
            go("/keys");
            Locator search = page.getByRole(AriaRole.SEARCHBOX, new Page.GetByRoleOptions().setName("Search").setExact(true));
            search.click();
            search.pressSequentially("deploy", new Locator.PressSequentiallyOptions().setDelay(500));
            assertThat(page.locator("table.keys tbody tr")).hasCount(1);
            assertThat(search).hasValue("deploy");
            assertThat(search).isFocused();
        });
        check("keys, options menu open", () -> {
            go("/keys");
            Locator row = page.locator("table.keys tbody tr").filter(new Locator.FilterOptions().setHasText("Outgoing Helper"));
            row.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("options for Outgoing Helper's API key")).click();
            assertThat(row.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Generate new API key"))).isVisible();
        });
        withoutJavaScript(() -> check("keys, options menu open without JavaScript, pointer and focus elsewhere", () -> {
            go("/keys");
            Locator row = page.locator("table.keys tbody tr").filter(new Locator.FilterOptions().setHasText("Deploy Bot"));
            row.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("options for Deploy Bot's API key")).click();
            page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Keys").setLevel(1)).click();
            page.mouse().move(1, 1);
            assertThat(row.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Delete"))).isVisible();
        }));
        check("new key page", () -> go("/keys/new"));
        check("modify key page", () -> go("/keys/" + deploy.id() + "/edit"));
        check("keys, block question without JavaScript", () -> {
            go("/keys");
            submitPlainly("/keys/" + deploy.id() + "/block");
        });

        // Users
        check("users", () -> {
            go("/users");
            assertThat(page.locator("table.people tbody tr")).hasCount(2);
        });
        page.setViewportSize(1280, 900);
        go("/users");
        assertEquals(Boolean.TRUE, page.locator("table.people").evaluate("""
                t => { const box = t.parentElement; return box.scrollWidth <= box.clientWidth; }"""),
                "at 1280 px the Users table fits without scrolling");
        for (String column : List.of("Role", "Status", "Last login", "Actions")) {
            assertThat(page.locator("table.people th", new Page.LocatorOptions().setHasText(column))).isInViewport();
        }
        double line = (double) page.locator("table.people tbody tr").first().locator("td").nth(3).evaluate(
                "td => parseFloat(getComputedStyle(td).lineHeight)");
        for (Locator cell : page.locator("table.people tbody tr td:nth-child(3) form, table.people tbody td:nth-child(5)").all()) {
            assertTrue(cell.boundingBox().height < 2.5 * line, "one line: " + cell.innerText());
        }
        check("users, options menu open", () -> {
            go("/users");
            page.getByRole(AriaRole.ROW, new Page.GetByRoleOptions().setName("Cordelia"))
                    .locator("summary").click();
            assertThat(button("Deactivate")).isVisible();
        });
        check("users, deactivate dialog", () -> {
            go("/users");
            page.getByRole(AriaRole.ROW, new Page.GetByRoleOptions().setName("Cordelia")).locator("summary").click();
            button("Deactivate").click();
            assertThat(page.locator("#deactivate-user-dialog")).isVisible();
        });
        check("users, deactivate question without JavaScript", () -> {
            go("/users");
            submitPlainly("/users/" + member.id() + "/deactivate");
        });
        check("users, filtered", () -> go("/users?q=cor&role=400&state=active"));
        check("users, a new invitation link", () -> {
            go("/users");
            page.getByLabel("E-mail address").fill("goneril." + System.nanoTime() + "@zulip.com");
            button("Create invitation link").click();
            assertThat(page.getByLabel("Invitation link")).isVisible();
        });

        // Audit log, services, errors
        check("audit log", () -> go("/audit-log"));
        check("audit log, filtered", () -> go("/audit-log?event=bot_created&actor=iago"));
        check("services", () -> go("/services"));
        check("register a service", () -> go("/services/new"));
        check("a service", () -> go("/services/" + service));
        // Usage: a few days of counts in every outcome, so the chart has every colour and pattern.
        Fixtures.execute("""
                INSERT INTO key_usage_hourly (key_id, hour, service_id, outcome, count)
                SELECT 0, date_trunc('hour', now()) - d * interval '1 day', 0, o, 10 + d * 3
                FROM generate_series(0, 12) d,
                     unnest(ARRAY['allowed', 'invalid', 'deactivated', 'forbidden', 'rate_limited', 'expired']) o""");
        Fixtures.rollUpUsage();
        check("usage", () -> go("/usage"));
        check("usage, the chart's table open", () -> {
            go("/usage");
            page.locator("details.usage-numbers summary").click();
            assertThat(page.locator("table.usage-days")).isVisible();
        });
        check("not found, signed in", () -> go("/bots/999999"));
        assertNoProblems();
    }

    @Test
    void signInSecurityPagesAndTheCodeStep() {
        Fixtures.user(ADMIN_EMAIL, "Iago", Role.OWNER);
        BrowserSupport.logIn(page, baseUrl, ADMIN_EMAIL, Fixtures.PASSWORD);
        check("sign-in security, off", () -> go("/account/sign-in-security"));
        go("/account/sign-in-security");
        clickAndLoad(button("Set up an authenticator app"));
        check("sign-in security, setting up", () -> go("/account/sign-in-security"));
        String secret = page.locator("#totp-secret").textContent().trim();
        long step = TestTotp.alignToNextStep();
        page.getByLabel("Code from your authenticator app").fill(TestTotp.code(secret, step));
        clickAndLoad(button("Turn on"));
        check("sign-in security, new recovery codes", () -> {
            TestKeydesk.CLOCK.advance(java.time.Duration.ofSeconds(30));
            go("/account/sign-in-security");
            page.getByLabel("Code from your authenticator app").fill(TestTotp.code(secret, TestTotp.stepNow()));
            clickAndLoad(button("Make new recovery codes"));
            assertEquals(10, page.locator("#recovery-code-list li").count());
        });
        check("sign-in security, on", () -> go("/account/sign-in-security"));
        check("sign-in settings", () -> go("/sign-in-settings"));
        check("account, code prompt without JavaScript", () -> go("/account/api-key"));
        check("step-up, code prompt", () -> go("/step-up?return_to=%2Fkeys"));
        check("keys, copy icons waiting for the proof", () -> go("/keys"));
        submitPlainly("/logout");
        BrowserSupport.logIn(page, baseUrl, ADMIN_EMAIL, Fixtures.PASSWORD);
        check("login, code step", () -> go("/login/code"));
        check("login, code step, a wrong code", () -> {
            go("/login/code");
            page.getByLabel("Authentication code").fill(TestTotp.wrongCode(secret, TestTotp.stepNow()));
            clickAndLoad(button("Verify"));
        });
        assertNoProblems();
    }

    /** A terminal client asks for a login from an IPv6 address; the page shows its request, ready to approve. */
    private void reviewDeviceLogin() {
        String code = UserCode.display(keydesk.primary().services().deviceGrants().request("ZulipTerminal",
                "ZulipTerminal/0.7.0 (Linux 6.1.0-18-amd64; x86_64) python-requests/2.31.0", "2001:db8:85a3::8a2e:370:7334")
                .userCode());
        go("/device?user_code=" + code);
        clickAndLoad(button("Continue"));
        assertThat(button("Approve")).isVisible();
    }

    /**
     * Runs {@code states} in a second browser profile, signed in as the administrator, whose pages
     * run no script: {@link #check} and {@link #go} use it meanwhile.
     */
    private void withoutJavaScript(Runnable states) {
        Page withScript = page;
        BrowserContext plain = browser.newContextWithoutJavaScript();
        try {
            page = plain.newPage();
            BrowserSupport.logIn(page, baseUrl, ADMIN_EMAIL, Fixtures.PASSWORD);
            states.run();
        } finally {
            page = withScript;
            plain.close();
        }
    }

    @Test
    void onAPhoneTheMainNavigationShowsEveryLinkOfAnAdministrator() {
        Fixtures.user(ADMIN_EMAIL, "Iago", Role.ADMIN);
        BrowserSupport.logIn(page, baseUrl, ADMIN_EMAIL, Fixtures.PASSWORD);
        page.setViewportSize(390, 844);
        for (String path : List.of("/users", "/keys", "/account")) {
            go(path);
            Locator links = page.getByRole(AriaRole.NAVIGATION, new Page.GetByRoleOptions().setName("Main")).getByRole(AriaRole.LINK);
            assertEquals(7, links.count());
            for (Locator link : links.all()) {
                var box = link.boundingBox();
                String what = "\"" + link.textContent() + "\" on " + path + " at (" + box.x + ", " + box.y + ", " + box.width + " x " + box.height + ")";
                assertTrue(box.x >= 0 && box.y >= 0 && box.x + box.width <= 390 && box.y + box.height <= 844, what + " is not inside the window");
                assertEquals(Boolean.TRUE, link.evaluate("""
                        a => { const r = a.getBoundingClientRect();
                               const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                               return hit === a || a.contains(hit); }"""), what + " is covered or cut off");
            }
        }
    }

    @Test
    void darkModeAndTheFocusRing() {
        Fixtures.user(ADMIN_EMAIL, "Iago", Role.ADMIN);
        User member = Fixtures.member(MEMBER_EMAIL);
        Fixtures.bot(member, "Cordelia's Bot");
        page.emulateMedia(new Page.EmulateMediaOptions().setColorScheme(ColorScheme.DARK));
        BrowserSupport.logIn(page, baseUrl, ADMIN_EMAIL, Fixtures.PASSWORD);
        check("account, dark", () -> go("/account"));
        check("users, dark", () -> go("/users"));
        check("audit log, dark", () -> go("/audit-log"));
        Fixtures.execute("""
                INSERT INTO key_usage_hourly (key_id, hour, service_id, outcome, count)
                SELECT 0, date_trunc('hour', now()) - d * interval '1 day', 0, o, 5 + d
                FROM generate_series(0, 5) d, unnest(ARRAY['allowed', 'invalid', 'forbidden', 'expired']) o""");
        Fixtures.rollUpUsage();
        check("usage, dark", () -> go("/usage"));
        check("users, options menu, dark", () -> {
            go("/users");
            page.getByRole(AriaRole.ROW, new Page.GetByRoleOptions().setName(member.fullName())).locator("summary").click();
            assertThat(button("Deactivate")).isVisible();
        });
        assertEquals("rgb(20, 23, 31)", page.evaluate("() => getComputedStyle(document.documentElement).backgroundColor"));
        assertNoProblems();

        // one focus ring: a field, a button and a menu's summary look the same when reached with the keyboard
        page.emulateMedia(new Page.EmulateMediaOptions().setColorScheme(ColorScheme.LIGHT));
        go("/users");
        List<String> rings = new ArrayList<>();
        for (String selector : List.of("#people-search", "form[role=search] button", "table.people summary")) {
            page.locator(selector).first().focus();
            page.keyboard().press("Shift+Tab");
            page.keyboard().press("Tab");
            rings.add((String) page.evaluate("() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor; }"));
        }
        assertEquals(1, rings.stream().distinct().count(), rings.toString());
        assertEquals("solid 3px rgb(29, 78, 216)", rings.get(0));
    }

    @Test
    void pagesOfAMember() {
        Fixtures.user(ADMIN_EMAIL, "Iago", Role.ADMIN);
        User member = Fixtures.member(MEMBER_EMAIL);
        BrowserSupport.logIn(page, baseUrl, MEMBER_EMAIL, Fixtures.PASSWORD);
        check("account of a member with next steps", () -> go("/account"));
        check("no bots yet", () -> go("/bots"));
        check("forbidden", () -> go("/users"));
        Fixtures.bot(member, "Cordelia's Bot");
        check("one bot", () -> {
            go("/bots");
            assertThat(page.getByRole(AriaRole.ROW, new Page.GetByRoleOptions().setName("Cordelia's Bot"))).hasCount(1);
        });
        assertNoProblems();
    }

    @Test
    void anInvitationPage() {
        User admin = Fixtures.user(ADMIN_EMAIL, "Iago", Role.ADMIN);
        String token = Fixtures.invite(admin, "regan@zulip.com");
        check("invitation", () -> go("/invite/" + token));
        check("invitation with an error", () -> {
            go("/invite/" + token);
            page.getByLabel("Full name").fill("Regan");
            page.getByLabel("Password", new Page.GetByLabelOptions().setExact(true)).fill("short");
            page.locator("main form button[type=submit]").evaluate("b => b.form.noValidate = true");
            clickAndLoad(page.locator("main form button[type=submit]"));
        });
        assertNoProblems();
    }

    /** The reset link of the e-mail just sent, as a path. */
    private String resetPath() {
        assertTrue(keydesk.mail().waitForIncomingEmail(15_000, 1), "no reset e-mail");
        for (MimeMessage message : keydesk.mail().getReceivedMessages()) {
            Matcher m = Pattern.compile(Pattern.quote(baseUrl) + "(/accounts/password/reset/[A-Za-z0-9_-]{43})")
                    .matcher(Mails.body(message));
            if (m.find()) return m.group(1);
        }
        throw new AssertionError("no reset link in the e-mails sent");
    }
}
