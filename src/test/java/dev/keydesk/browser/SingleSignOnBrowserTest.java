package dev.keydesk.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import dev.keydesk.Keydesk;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.KeycloakServer;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Chromium signs in through the provider's button: Keydesk's login page, Keycloak's own login
 * page (its scripts and cookies as a browser runs them), and back to Keydesk, signed in.
 */
@IntegrationTest
class SingleSignOnBrowserTest {
    private static final TestKeydesk keydesk = TestKeydesk.get();
    private static BrowserSupport browser;
    private static Keydesk server;
    private static String url;

    @BeforeAll
    static void start() {
        KeycloakServer keycloak = KeycloakServer.get();
        server = keydesk.startSeparate(Map.of(
                "KEYDESK_OIDC_ISSUER", keycloak.issuer(),
                "KEYDESK_OIDC_CLIENT_ID", KeycloakServer.CLIENT_ID,
                "KEYDESK_OIDC_CLIENT_SECRET_FILE", KeycloakServer.secretFile().toString(),
                "KEYDESK_OIDC_BUTTON_LABEL", "Log in with Keycloak",
                "KEYDESK_OIDC_ALLOWED_DOMAINS", "example.com"));
        url = "http://localhost:" + server.port();
        browser = BrowserSupport.launch();
    }

    @AfterAll
    static void stop() {
        if (browser != null) browser.close();
        if (server != null) server.close();
    }

    @Test
    void chromiumSignsInThroughTheProvidersLoginPage() {
        keydesk.reset();
        Fixtures.user("owner@example.com", "Olivia Owner", Role.OWNER);
        try (BrowserContext context = browser.newContext(url)) {
            Page page = context.newPage();
            List<String> errors = BrowserSupport.pageErrors(page);
            page.navigate(url + "/login?next=/bots");
            assertEquals(List.of(), errors, "Keydesk's login page");
            long started = System.nanoTime();
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Log in with Keycloak")).click();
            // The provider's pages may be slow on a loaded machine: a generous deadline, not a timing check.
            page.waitForURL(u -> u.startsWith(KeycloakServer.get().issuer()), new Page.WaitForURLOptions().setTimeout(60_000));
            page.locator("#username").fill("ada");
            page.locator("#password").fill("ada-password-1");
            page.locator("#kc-login").click();
            page.waitForURL(url + "/bots", new Page.WaitForURLOptions().setTimeout(60_000));
            double ms = (System.nanoTime() - started) / 1e6;
            System.out.printf("Sign-in through the provider in Chromium (button -> Keycloak's page -> back on"
                    + " the page asked for): %.0f ms%n", ms);
            page.navigate(url + "/account");
            assertTrue(page.content().contains("ada@example.com"), page.content());
            assertEquals(1, Fixtures.count("SELECT count(*) FROM sso_identities"));
        }
    }

    /**
     * The login page with the provider's button and the page that explains a refused sign-in (here a
     * callback whose state this browser never sent) pass the checks every page passes, at both sizes.
     */
    @Test
    void theLoginPageWithTheProviderAndTheRefusalPagePassThePageChecks() {
        keydesk.reset();
        try (BrowserContext context = browser.newContext(url)) {
            Page page = context.newPage();
            List<String> problems = new java.util.ArrayList<>();
            for (int[] size : new int[][] {{390, 844}, {1280, 900}}) {
                String at = " at " + size[0] + "x" + size[1];
                page.setViewportSize(size[0], size[1]);
                page.navigate(url + "/login");
                assertTrue(page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Log in with Keycloak")).isVisible());
                problems.addAll(PageChecks.problems(page, "login with a provider" + at));
                var answer = page.navigate(url + "/login/oidc/callback?state=never-sent&code=anything");
                assertEquals(400, answer.status());
                assertEquals("Sign-in refused", page.locator("h1").textContent().trim());
                problems.addAll(PageChecks.problems(page, "sign-in refused" + at));
            }
            assertEquals(List.of(), problems);
        }
    }
}
