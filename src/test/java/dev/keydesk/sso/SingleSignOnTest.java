package dev.keydesk.sso;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.Keydesk;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.KeycloakServer;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Single sign-on against a real provider (Keycloak, {@link KeycloakServer}) over real HTTP: the
 * provider's own login page, its codes and signed ID tokens. The refusals come from real answers
 * or from ones changed on the way, as an attacker would change them.
 */
@IntegrationTest
class SingleSignOnTest {
    private static final TestKeydesk keydesk = TestKeydesk.get();
    private static KeycloakServer keycloak;
    private static Keydesk server;
    private static String url;

    @BeforeAll
    static void start() {
        keycloak = KeycloakServer.get();
        server = keydesk.startSeparate(providerSettings(keycloak.issuer()));
        url = "http://localhost:" + server.port();
    }

    static Map<String, String> providerSettings(String issuer) {
        return Map.of(
                "KEYDESK_OIDC_ISSUER", issuer,
                "KEYDESK_OIDC_CLIENT_ID", KeycloakServer.CLIENT_ID,
                "KEYDESK_OIDC_CLIENT_SECRET_FILE", KeycloakServer.secretFile().toString(),
                "KEYDESK_OIDC_BUTTON_LABEL", "Log in with Keycloak",
                "KEYDESK_OIDC_ALLOWED_DOMAINS", "example.com",
                "KEYDESK_OIDC_ADMIN_GROUP", KeycloakServer.ADMIN_GROUP);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    @BeforeEach
    void setUp() {
        keydesk.reset();
        Fixtures.user("owner@example.com", "Olivia Owner", Role.OWNER);
    }

    /** The reasons of the refusals recorded so far, oldest first. */
    static List<String> refusals() {
        return keydesk.primary().database().jdbi().withHandle(h -> h.createQuery(
                "SELECT details->>'reason' FROM audit_log WHERE event_type = 'sso_sign_in_refused' ORDER BY id")
                .mapTo(String.class).list());
    }

    static long usersWithEmail(String email) {
        return Fixtures.count("SELECT count(*) FROM users WHERE email = '" + email + "'");
    }

    /** The Account page sends the browser to the login page: nobody is signed in there. */
    static void assertNotSignedIn(ProviderBrowser browser) {
        ProviderBrowser.Answer account = browser.get(url + "/account");
        assertTrue(account.status() == 303 || account.status() == 302, "signed in: " + account.status());
        assertTrue(account.location().startsWith(url + "/login"), account.location());
    }

    static ProviderBrowser.Answer signIn(ProviderBrowser browser, String username, String password) {
        String back = browser.signInAtProvider(browser.start(url), username, password);
        return browser.get(back);
    }

    @Test
    void aNewPersonOfAnAllowedDomainSignsInAsAMemberAndIsFoundBySubjectAfterwards() {
        ProviderBrowser browser = new ProviderBrowser();
        long started = System.nanoTime();
        ProviderBrowser.Answer landed = signIn(browser, "ada", "ada-password-1");
        ProviderBrowser.Answer account = browser.get(url + "/account");
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("Sign-in through the provider (Keydesk -> Keycloak login form -> callback -> Account page), "
                + "no JavaScript: %.0f ms%n", seconds * 1000);
        assertEquals(303, landed.status(), landed.body());
        assertEquals(url + "/account", landed.location());
        assertEquals(200, account.status());
        assertTrue(account.body().contains("ada@example.com"), account.body());

        User ada = keydesk.primary().services().userQueries().findByEmail("ada@example.com").orElseThrow();
        assertEquals(Role.MEMBER.code(), ada.role());
        assertEquals("Ada Lovelace", ada.fullName());
        assertEquals(List.of("user_created", "api_key_changed", "sso_linked"), Fixtures.auditEvents(ada.id()));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM sso_identities WHERE user_id = " + ada.id()));

        // A second sign-in, from another browser, reaches the same account through the linked subject.
        ProviderBrowser other = new ProviderBrowser();
        assertEquals(303, signIn(other, "ada", "ada-password-1").status());
        assertEquals(200, other.get(url + "/account").status());
        assertEquals(1, usersWithEmail("ada@example.com"));
        assertEquals(List.of("user_created", "api_key_changed", "sso_linked"), Fixtures.auditEvents(ada.id()));
        assertEquals(List.of(), refusals());
    }

    @Test
    void aFirstSignInWithAVerifiedAddressLinksTheExistingAccount() {
        User linked = Fixtures.member("linked@example.com");
        ProviderBrowser browser = new ProviderBrowser();
        ProviderBrowser.Answer landed = signIn(browser, "linked", "linked-password-1");
        assertEquals(303, landed.status(), landed.body());
        ProviderBrowser.Answer account = browser.get(url + "/account");
        assertEquals(200, account.status());
        assertTrue(account.body().contains("linked@example.com"), account.body());
        assertEquals((Long) linked.id(), keydesk.primary().database().jdbi().withHandle(h -> h.createQuery(
                "SELECT user_id FROM sso_identities").mapTo(Long.class).one()));
        assertTrue(Fixtures.auditEvents(linked.id()).contains("sso_linked"));
        assertEquals(1, usersWithEmail("linked@example.com"));
    }

    @Test
    void anUnverifiedAddressNeverOpensTheAccountThatHasIt() {
        User victim = Fixtures.member("unverified@example.com");
        ProviderBrowser browser = new ProviderBrowser();
        ProviderBrowser.Answer refused = signIn(browser, "unverified", "unverified-password-1");
        assertEquals(403, refused.status(), refused.body());
        assertTrue(refused.doc().select("#sso-refusal").text().contains("has not verified your e-mail address"), refused.body());
        assertNotSignedIn(browser);
        assertEquals(0, Fixtures.count("SELECT count(*) FROM sso_identities"));
        assertEquals(List.of("unverified_email"), refusals());
        assertEquals(victim.id(), Fixtures.count("SELECT target_user_id FROM audit_log WHERE event_type = 'sso_sign_in_refused'"));
    }

    @Test
    void aNewPersonOfAnotherDomainIsRefused() {
        ProviderBrowser browser = new ProviderBrowser();
        ProviderBrowser.Answer refused = signIn(browser, "outsider", "outsider-password-1");
        assertEquals(403, refused.status(), refused.body());
        assertTrue(refused.doc().select("#sso-refusal").text().contains("from your e-mail domain do not get one"), refused.body());
        assertEquals(0, usersWithEmail("outsider@elsewhere.org"));
        assertEquals(List.of("domain_not_allowed"), refusals());
    }

    @Test
    void theAdministratorsGroupMakesAnAdministrator() {
        ProviderBrowser browser = new ProviderBrowser();
        assertEquals(303, signIn(browser, "boss", "boss-password-1").status());
        User boss = keydesk.primary().services().userQueries().findByEmail("boss@example.com").orElseThrow();
        assertEquals(Role.ADMIN.code(), boss.role());
        assertTrue(Fixtures.auditEvents(boss.id()).contains("role_changed"));
        // Ada is in another group only: a member.
        assertEquals(303, signIn(new ProviderBrowser(), "ada", "ada-password-1").status());
        assertEquals(Role.MEMBER.code(),
                keydesk.primary().services().userQueries().findByEmail("ada@example.com").orElseThrow().role());
    }

    @Test
    void aDeactivatedAccountIsRefused() {
        User gone = Fixtures.member("gone@example.com");
        Fixtures.deactivate(gone);
        ProviderBrowser browser = new ProviderBrowser();
        ProviderBrowser.Answer refused = signIn(browser, "gone", "gone-password-1");
        assertEquals(403, refused.status(), refused.body());
        assertTrue(refused.doc().select("#sso-refusal").text().contains("deactivated"), refused.body());
        assertNotSignedIn(browser);
        assertEquals(List.of("deactivated"), refusals());
    }

    @Test
    void anAnswerWithAnotherStateIsRefused() {
        ProviderBrowser browser = new ProviderBrowser();
        String back = browser.signInAtProvider(browser.start(url), "ada", "ada-password-1");
        String tampered = back.replaceFirst("state=[^&]+", "state=" + "x".repeat(43));
        ProviderBrowser.Answer refused = browser.get(tampered);
        assertEquals(400, refused.status(), refused.body());
        assertTrue(refused.doc().select("#sso-refusal").text().contains("was not started from this browser"), refused.body());
        assertNotSignedIn(browser);
        assertEquals(0, usersWithEmail("ada@example.com"));
        assertEquals(List.of("wrong_state"), refusals());
    }

    @Test
    void aCodeUsedOnceIsRefusedTheSecondTime() {
        ProviderBrowser victim = new ProviderBrowser();
        String back = victim.signInAtProvider(victim.start(url), "ada", "ada-password-1");
        assertEquals(303, victim.get(back).status());

        // The same answer again, in the same browser: its state was used up.
        ProviderBrowser.Answer again = victim.get(back);
        assertEquals(400, again.status(), again.body());

        // Someone who copied the code starts a sign-in of their own and hands Keydesk the used code
        // with their own, valid state: the provider refuses the code.
        ProviderBrowser attacker = new ProviderBrowser();
        String ownRequest = attacker.start(url);
        String ownState = ownRequest.replaceFirst(".*[?&]state=([^&]+).*", "$1");
        String replay = back.replaceFirst("state=[^&]+", "state=" + ownState);
        ProviderBrowser.Answer refused = attacker.get(replay);
        assertEquals(400, refused.status(), refused.body());
        assertTrue(refused.doc().select("#sso-refusal").text().contains("would not confirm this sign-in"), refused.body());
        assertNotSignedIn(attacker);
        assertEquals(List.of("wrong_state", "code_refused"), refusals());
    }

    @Test
    void anIdTokenWithAnotherNonceIsRefused() {
        ProviderBrowser browser = new ProviderBrowser();
        String request = browser.start(url);
        assertTrue(request.contains("nonce="), request);
        String tampered = request.replaceFirst("nonce=[^&]+", "nonce=someone-elses-nonce");
        ProviderBrowser.Answer refused = browser.get(browser.signInAtProvider(tampered, "ada", "ada-password-1"));
        assertEquals(400, refused.status(), refused.body());
        assertTrue(refused.doc().select("#sso-refusal").text().contains("belongs to another sign-in"), refused.body());
        assertNotSignedIn(browser);
        assertEquals(0, usersWithEmail("ada@example.com"));
        assertEquals(List.of("nonce_mismatch"), refusals());
    }

    @Test
    void aProviderThatCannotBeReachedLeavesPasswordSignInWorking() throws Exception {
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        try (Keydesk unreachable = keydesk.startSeparate(providerSettings("http://127.0.0.1:" + closed + "/realms/keydesk"))) {
            String base = "http://localhost:" + unreachable.port();
            WebClient browser = new WebClient(base);
            WebClient.Page login = browser.get("/login/oidc?next=/bots");
            assertEquals(base + "/login?next=%2Fbots", login.uri().toString());
            assertEquals(200, login.status());
            assertTrue(login.text().contains("The sign-in provider could not be reached"), login.body());
            assertNotNull(login.doc().selectFirst("#sso-login"));
            assertEquals(List.of("unreachable"), refusals());

            Fixtures.member("hamlet@example.com");
            WebClient.Page signedIn = browser.login("hamlet@example.com", Fixtures.PASSWORD);
            assertEquals(base + "/account", signedIn.uri().toString());
        }
    }

    @Test
    void withPasswordSignInOffOnlyOwnersUseAPasswordAndFetchApiKeyAnswersAsZulip() {
        Fixtures.member("hamlet@example.com");
        WebClient owner = new WebClient(url);
        owner.login("owner@example.com", Fixtures.PASSWORD);
        WebClient.Page settings = owner.get("/sign-in-settings");
        assertEquals(200, settings.status());
        WebClient.Page saved = owner.submit(settings, "/sign-in-settings", Map.of("password_login", "off"));
        assertTrue(saved.text().contains("Password sign-in is off"), saved.body());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'password_login_changed'"));

        WebClient member = new WebClient(url);
        WebClient.Page refused = member.login("hamlet@example.com", Fixtures.PASSWORD);
        assertEquals(403, refused.status());
        assertTrue(refused.text().contains("Password sign-in is turned off"), refused.body());
        assertNotNull(refused.doc().selectFirst("#sso-login"));

        // Owners keep their password: the way back in should the provider fail.
        assertEquals(url + "/account", new WebClient(url).login("owner@example.com", Fixtures.PASSWORD).uri().toString());

        Http.Response fetched = Http.postForm(url + "/api/v1/fetch_api_key",
                Map.of("username", "hamlet@example.com", "password", Fixtures.PASSWORD), null);
        assertEquals(401, fetched.status(), fetched.body());
        assertTrue(fetched.body().contains("\"PASSWORD_AUTH_DISABLED\""), fetched.body());
        assertTrue(fetched.body().contains("\"Password authentication is disabled in this organization\""), fetched.body());

        // The shared server has no provider: the switch does not apply there (nobody could sign in otherwise).
        Http.Response elsewhere = Http.postForm(keydesk.baseUrl() + "/api/v1/fetch_api_key",
                Map.of("username", "hamlet@example.com", "password", Fixtures.PASSWORD), null);
        assertEquals(200, elsewhere.status(), elsewhere.body());
    }

    @Test
    void withoutAProviderThereIsNoButtonAndNoRoute() {
        WebClient browser = new WebClient(keydesk.baseUrl());
        WebClient.Page login = browser.get("/login");
        assertEquals(200, login.status());
        assertFalse(login.body().contains("sso-login"));
        assertEquals(404, browser.get("/login/oidc").status());
        assertEquals(404, browser.get("/login/oidc/callback?state=x&code=y").status());
        assertEquals(404, browser.get("/sign-in-settings").status());
        // With one, the button is beside the password form.
        WebClient.Page withProvider = new WebClient(url).get("/login");
        assertEquals("Log in with Keycloak", withProvider.doc().select("#sso-login").text());
    }
}
