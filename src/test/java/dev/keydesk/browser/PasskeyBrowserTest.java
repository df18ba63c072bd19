package dev.keydesk.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.CDPSession;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import dev.keydesk.session.WebSession;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
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
 * Passkeys in headless Chromium with its virtual authenticator (CDP's WebAuthn domain: a CTAP2
 * platform authenticator that holds discoverable credentials and verifies the user at once), so
 * the page's script, the browser's WebAuthn and Keydesk's checks all run for real: adding a
 * passkey, signing in with it alone and after the password, seeing the API key after it, removing
 * it, and a copied authenticator's counter refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@IntegrationTest
class PasskeyBrowserTest {
    private static final String EMAIL = "iago@zulip.com";

    private final TestKeydesk keydesk = TestKeydesk.get();
    private BrowserSupport browser;
    private BrowserContext context;
    private Page page;
    private CDPSession cdp;
    private String authenticatorId;
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
        cdp = context.newCDPSession(page);
        cdp.send("WebAuthn.enable");
        JsonObject options = new JsonObject();
        options.addProperty("protocol", "ctap2");
        options.addProperty("transport", "internal");
        options.addProperty("hasResidentKey", true);
        options.addProperty("hasUserVerification", true);
        options.addProperty("isUserVerified", true);
        options.addProperty("automaticPresenceSimulation", true);
        JsonObject params = new JsonObject();
        params.add("options", options);
        authenticatorId = cdp.send("WebAuthn.addVirtualAuthenticator", params).get("authenticatorId").getAsString();
    }

    @AfterEach
    void tearDown() {
        if (context != null) context.close();
    }

    private boolean hasSession() {
        return context.cookies().stream().anyMatch(c -> c.name.equals(WebSession.SESSION_COOKIE));
    }

    private int credentialsInAuthenticator() {
        JsonObject params = new JsonObject();
        params.addProperty("authenticatorId", authenticatorId);
        return cdp.send("WebAuthn.getCredentials", params).getAsJsonArray("credentials").size();
    }

    /** Signs in with the password and adds a passkey named {@code name} on Sign-in security. */
    private void addPasskey(String name) {
        BrowserSupport.logIn(page, baseUrl, EMAIL, Fixtures.PASSWORD);
        page.navigate(baseUrl + "/account/sign-in-security");
        page.getByLabel("Name", new Page.GetByLabelOptions().setExact(true)).fill(name);
        BrowserSupport.button(page, "Add a passkey").click();
        assertThat(page.locator("#passkey-list")).containsText(name);
        assertThat(page.getByRole(AriaRole.STATUS)).containsText("The passkey was added");
    }

    private void logOut() {
        BrowserSupport.button(page, "Log out").click();
        page.waitForURL(url -> url.startsWith(baseUrl + "/login"));
        assertFalse(hasSession());
    }

    @Test
    void addAPasskeyThenSignInWithItAloneAndAfterThePasswordSeeTheKeyAndRemoveIt() {
        addPasskey("This browser");
        assertEquals(1, credentialsInAuthenticator(), "the authenticator holds the new discoverable credential");

        // Alone: no e-mail address, no password.
        logOut();
        BrowserSupport.button(page, "Sign in with a passkey").click();
        page.waitForURL(baseUrl + "/account");
        assertTrue(hasSession());
        assertThat(page.locator("#passkey-summary")).containsText("1 passkey");

        // A fresh proof before the key: the passkey instead of the password.
        BrowserSupport.button(page, "Manage your API key").click();
        page.locator("#api-key-dialog").getByRole(AriaRole.BUTTON,
                new Locator.GetByRoleOptions().setName("Use a passkey").setExact(true)).click();
        page.waitForURL(baseUrl + "/account/api-key/shown");
        assertEquals(Fixtures.keyOf(iago), page.locator("#api-key-value").inputValue());

        // After the password, the passkey is the second step.
        logOut();
        BrowserSupport.logIn(page, baseUrl, EMAIL, Fixtures.PASSWORD);
        assertEquals(baseUrl + "/login/code", page.url());
        assertFalse(hasSession(), "no session before the second step");
        BrowserSupport.button(page, "Use a passkey").click();
        page.waitForURL(baseUrl + "/account");
        assertTrue(hasSession());

        // Removing the only second factor asks for the password.
        page.navigate(baseUrl + "/account/sign-in-security");
        BrowserSupport.button(page, "Remove the passkey This browser").click();
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setLevel(1)))
                .hasText("Remove the passkey “This browser”?");
        page.getByLabel("Your password").fill(Fixtures.PASSWORD);
        BrowserSupport.button(page, "Remove passkey").click();
        assertThat(page.locator("#passkeys-status")).hasText("You have no passkey yet.");
        assertEquals(0L, Fixtures.count("SELECT count(*) FROM passkeys"));
        assertEquals(List.of(), pageErrors);
    }

    @Test
    void aCopiedAuthenticatorWhoseCounterFellBehindIsRefusedWithAClearPage() {
        addPasskey("Laptop");
        // The original has signed many times since this copy was made: the stored counter is ahead.
        Fixtures.execute("UPDATE passkeys SET sign_count = 1000");
        logOut();
        BrowserSupport.button(page, "Sign in with a passkey").click();
        assertThat(page.getByRole(AriaRole.ALERT)).containsText("signature counter did not go up");
        assertFalse(hasSession());
        assertTrue(Fixtures.auditEvents(iago.id()).contains("passkey_counter_refused"));
    }

    /**
     * The pages a passkey adds or changes pass the same checks as every other page (axe, no
     * sideways scroll), on a phone and on a desktop: Sign-in security listing one, the proof before
     * the key offering it (the account's dialog and the step-up page), the second sign-in step
     * offering it, and the removal question.
     */
    @Test
    void thePasskeyPagesPassThePageChecksAtBothSizes() {
        addPasskey("Work laptop");
        List<String> problems = new java.util.ArrayList<>();
        for (int[] size : new int[][] {{390, 844}, {1280, 900}}) {
            String at = " at " + size[0] + "x" + size[1];
            page.setViewportSize(size[0], size[1]);
            page.navigate(baseUrl + "/account/sign-in-security");
            problems.addAll(PageChecks.problems(page, "sign-in security with a passkey" + at));
            page.navigate(baseUrl + "/account");
            BrowserSupport.button(page, "Manage your API key").click();
            assertThat(page.locator("#api-key-dialog")).isVisible();
            assertThat(page.locator("#api-key-dialog [data-passkey-button]")).isVisible();
            problems.addAll(PageChecks.problems(page, "account, the proof offering a passkey" + at));
            page.navigate(baseUrl + "/step-up?return_to=%2Fbots");
            assertThat(page.locator("form[action='/step-up'] [data-passkey-button]")).isVisible();
            problems.addAll(PageChecks.problems(page, "step-up offering a passkey" + at));
            page.navigate(baseUrl + "/account/sign-in-security");
            BrowserSupport.button(page, "Remove the passkey Work laptop").click();
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setLevel(1)))
                    .hasText("Remove the passkey “Work laptop”?");
            problems.addAll(PageChecks.problems(page, "remove a passkey" + at));
            logOut();
            problems.addAll(PageChecks.problems(page, "login with the passkey button" + at));
            BrowserSupport.logIn(page, baseUrl, EMAIL, Fixtures.PASSWORD);
            assertEquals(baseUrl + "/login/code", page.url());
            problems.addAll(PageChecks.problems(page, "login, the passkey step" + at));
            BrowserSupport.button(page, "Use a passkey").click();
            page.waitForURL(baseUrl + "/account");
        }
        assertEquals(List.of(), problems);
        assertEquals(List.of(), pageErrors);
    }

    @Test
    void withoutJavaScriptThePagesSayAPasskeyNeedsIt() {
        BrowserContext plain = browser.newContextWithoutJavaScript();
        try {
            Page noScript = plain.newPage();
            noScript.navigate(baseUrl + "/login");
            assertThat(noScript.locator("#passkey-login [data-passkey-status]")).containsText("Passkeys need JavaScript");
            assertThat(noScript.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in with a passkey"))).isHidden();
            // The password form still works as before.
            BrowserSupport.logIn(noScript, baseUrl, EMAIL, Fixtures.PASSWORD);
            noScript.navigate(baseUrl + "/account/sign-in-security");
            assertThat(noScript.locator("#passkeys [data-passkey-status]")).containsText("Passkeys need JavaScript");
        } finally {
            plain.close();
        }
    }
}
