package dev.keydesk.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import dev.keydesk.audit.Actor;
import dev.keydesk.bot.Bot;
import dev.keydesk.guard.Access;
import dev.keydesk.keyscope.AddressRanges;
import dev.keydesk.keyscope.KeyMetadata;
import dev.keydesk.keyscope.KeyRestrictions;
import dev.keydesk.keyscope.KeyScope;
import dev.keydesk.keyscope.ScopeRule;
import dev.keydesk.support.Fixtures;
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
 * The limits fields of the Keys console's dialogs with JavaScript on: Modify starts from the key's
 * limits, so saving another change keeps them, and New creates a key with its limits.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@IntegrationTest
class KeysLimitsBrowserTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private BrowserSupport browser;
    private BrowserContext context;
    private Page page;
    private List<String> pageErrors;
    private long grafana;
    private Bot helper;

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
        User admin = Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        grafana = Fixtures.service("Grafana", Access.EVERYONE).service().id();
        helper = Fixtures.bot(admin, "Helper Bot").bot();
        keydesk.primary().services().keyRestrictions().setForAccount(Actor.commandLine(), helper.id(),
                new KeyRestrictions.Limits(KeyScope.of(Map.of(grafana, List.of(ScopeRule.parse("GET /api/**")))),
                        AddressRanges.parse("10.0.0.0/8"), KeyMetadata.parse("team: ops")));
        context = browser.newContext(keydesk.baseUrl());
        page = context.newPage();
        pageErrors = BrowserSupport.pageErrors(page);
        BrowserSupport.logIn(page, keydesk.baseUrl(), "iago@zulip.com", Fixtures.PASSWORD);
    }

    @AfterEach
    void tearDown() {
        if (context != null) context.close();
    }

    private Locator dialog(String name) {
        return page.getByRole(AriaRole.DIALOG, new Page.GetByRoleOptions().setName(name).setExact(true));
    }

    private Locator limitsLink(String name) {
        return page.locator("tr[data-name='" + name + "'] a.key-limits");
    }

    @Test
    void modifyStartsFromTheKeysLimitsAndKeepsThem() {
        page.navigate(keydesk.baseUrl() + "/keys");
        page.locator("[data-modify-key='/keys/" + helper.id() + "/edit']").click();
        Locator modify = dialog("Modify API Key");
        assertThat(modify).isVisible();
        modify.locator("summary", new Locator.LocatorOptions().setHasText("Limits of the key")).click();
        assertThat(modify.locator("input[name=scope_mode][value=chosen]")).isChecked();
        assertThat(modify.locator("input[name=scope_service][value='" + grafana + "']")).isChecked();
        assertThat(modify.locator("textarea[name=scope_rules_" + grafana + "]")).hasValue("GET /api/**");
        assertThat(modify.locator("textarea[name=address_ranges]")).hasValue("10.0.0.0/8");
        assertThat(modify.locator("textarea[name=metadata]")).hasValue("team: ops");

        modify.getByLabel("Name", new Locator.GetByLabelOptions().setExact(true)).fill("Helper Bot (prod)");
        modify.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Modify").setExact(true)).click();
        assertThat(limitsLink("Helper Bot (prod)")).hasText("Grafana: GET /api/**; from 10.0.0.0/8; 1 metadata pair");
        // Only the name changed: the limits were sent back as they were, so nothing was written to them.
        assertEquals(1, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'key_restrictions_changed'"));

        page.locator("[data-modify-key='/keys/" + helper.id() + "/edit']").click();
        modify.locator("summary", new Locator.LocatorOptions().setHasText("Limits of the key")).click();
        modify.locator("textarea[name=address_ranges]").fill("10.1.0.0/16");
        modify.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Modify").setExact(true)).click();
        assertThat(limitsLink("Helper Bot (prod)")).hasText("Grafana: GET /api/**; from 10.1.0.0/16; 1 metadata pair");
        assertTrue(pageErrors.isEmpty(), String.join("\n", pageErrors));
    }

    @Test
    void newCreatesAKeyWithItsLimits() {
        page.navigate(keydesk.baseUrl() + "/keys");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create API Key").setExact(true)).click();
        Locator create = dialog("New API Key");
        assertThat(create).isVisible();
        create.getByLabel("Name", new Locator.GetByLabelOptions().setExact(true)).fill("Reader Bot");
        create.locator("summary", new Locator.LocatorOptions().setHasText("Limits of the key")).click();
        create.locator("input[name=scope_mode][value=chosen]").check();
        create.locator("input[name=scope_service][value='" + grafana + "']").check();
        create.locator("textarea[name=scope_rules_" + grafana + "]").fill("read-only");
        create.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Create").setExact(true)).click();
        assertThat(limitsLink("Reader Bot")).hasText("Grafana: read-only");
        assertTrue(pageErrors.isEmpty(), String.join("\n", pageErrors));
    }
}
