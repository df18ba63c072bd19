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
import dev.keydesk.support.TestTotp;
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
    void ownersFindSignInSettingsInTheNavigationAndOthersDoNot() {
        Fixtures.user("admin@example.com", "Adam Admin", Role.ADMIN);
        WebClient owner = new WebClient(url);
        WebClient.Page page = owner.login("owner@example.com", Fixtures.PASSWORD);
        var link = page.doc().selectFirst("nav[aria-label=Main] a[href=/sign-in-settings]");
        assertNotNull(link, page.body());
        assertEquals("Sign-in settings", link.text());
        assertEquals("page", owner.get("/sign-in-settings").doc()
                .selectFirst("nav[aria-label=Main] a[href=/sign-in-settings]").attr("aria-current"));
        WebClient admin = new WebClient(url);
        WebClient.Page adminPage = admin.login("admin@example.com", Fixtures.PASSWORD);
        assertNotNull(adminPage.doc().selectFirst("nav[aria-label=Main] a[href=/keys]"));
        assertEquals(null, adminPage.doc().selectFirst("nav[aria-label=Main] a[href=/sign-in-settings]"));
    }

    @Test
    void anAccountWithoutAPasswordProvesItselfBySigningInAgainAtTheProvider() {
        ProviderBrowser browser = new ProviderBrowser();
        assertEquals(303, signIn(browser, "ada", "ada-password-1").status());
        User ada = keydesk.primary().services().userQueries().findByEmail("ada@example.com").orElseThrow();
        String key = Fixtures.keyOf(ada);

        ProviderBrowser.Answer prompt = browser.get(url + "/account/api-key");
        assertEquals(200, prompt.status(), prompt.body());
        assertFalse(prompt.body().contains(key));
        assertEquals(null, prompt.doc().selectFirst("#api-key input[name=password]"), "no password to ask for");
        var again = prompt.doc().selectFirst("#api-key a[href^=/login/oidc/step-up]");
        assertNotNull(again, prompt.body());
        assertEquals("/login/oidc/step-up?return_to=%2Faccount%2Fapi-key%2Fshown", again.attr("href"));
        // A password cannot stand in for the provider.
        ProviderBrowser.Answer guessed = browser.post(url + "/account/api-key", Map.of("csrf_token",
                prompt.doc().selectFirst("input[name=csrf_token]").attr("value"), "password", "ada-password-1"));
        assertEquals(400, guessed.status());
        assertFalse(guessed.body().contains(key));

        ProviderBrowser.Answer toProvider = browser.get(url + again.attr("href"));
        assertEquals(303, toProvider.status(), toProvider.body());
        String request = toProvider.location();
        assertTrue(request.startsWith(keycloak.issuer()), request);
        assertTrue(request.contains("prompt=login"), request);
        assertTrue(request.contains("max_age=0"), request);
        // Keycloak still holds Ada's session, yet shows its login form again (signInAtProvider needs it).
        String back = browser.signInAtProvider(request, "ada", "ada-password-1");
        ProviderBrowser.Answer landed = browser.get(back);
        assertEquals(303, landed.status(), landed.body());
        assertEquals(url + "/account/api-key/shown", landed.location());
        ProviderBrowser.Answer shown = browser.get(landed.location());
        assertEquals(key, shown.doc().selectFirst("#api-key-value").attr("value"));
        assertEquals(List.of(), refusals());

        // The proof counts for five minutes, then the provider is asked again.
        TestKeydesk.CLOCK.advance(java.time.Duration.ofMinutes(5).plusSeconds(1));
        ProviderBrowser.Answer later = browser.get(url + "/account/api-key/shown");
        assertFalse(later.body().contains(key));
        assertNotNull(later.doc().selectFirst("#api-key a[href^=/login/oidc/step-up]"));
    }

    @Test
    void aProviderAnswerFromAnOlderSignInIsRefusedAndAudited() {
        ProviderBrowser browser = new ProviderBrowser();
        assertEquals(303, signIn(browser, "ada", "ada-password-1").status());
        User ada = keydesk.primary().services().userQueries().findByEmail("ada@example.com").orElseThrow();
        String key = Fixtures.keyOf(ada);

        // Ten minutes on, the request loses prompt=login and max_age=0 on the way, so the provider
        // answers from the session it already holds: its auth_time is the sign-in of ten minutes ago.
        TestKeydesk.CLOCK.advance(java.time.Duration.ofMinutes(10));
        ProviderBrowser.Answer toProvider = browser.get(url + "/login/oidc/step-up?return_to=%2Fbots");
        assertEquals(303, toProvider.status(), toProvider.body());
        String tampered = toProvider.location().replaceAll("(?<=[?&])(prompt=login|max_age=0)(&|$)", "")
                .replaceAll("[?&]$", "");
        assertFalse(tampered.contains("prompt=") || tampered.contains("max_age="), tampered);
        ProviderBrowser.Answer answered = browser.get(tampered);
        assertEquals(302, answered.status(), "no login form this time: " + answered.body());
        ProviderBrowser.Answer refused = browser.get(answered.location());
        assertEquals(403, refused.status(), refused.body());
        assertTrue(refused.doc().select("#sso-refusal").text().contains("did not ask for your credentials just now"),
                refused.body());
        assertEquals("/step-up?return_to=%2Fbots", refused.doc().selectFirst("#sso-refusal + p a").attr("href"));
        assertEquals(List.of("not_fresh"), refusals());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'sso_sign_in_refused'"
                + " AND target_user_id = " + ada.id()));
        assertFalse(browser.get(url + "/account/api-key/shown").body().contains(key));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM sessions WHERE reauthenticated_at IS NOT NULL"));
    }

    @Test
    void aSignInThroughTheProviderStillAsksForTheAuthenticatorCode() {
        Fixtures.member("linked@example.com");
        WebClient web = new WebClient(url);
        web.login("linked@example.com", Fixtures.PASSWORD);
        WebClient.Page security = web.get("/account/sign-in-security");
        WebClient.Page started = web.submit(security, "/account/sign-in-security/authenticator", Map.of());
        String secret = started.doc().selectFirst("#totp-secret").text();
        long step = TestTotp.alignToNextStep();
        assertEquals(200, web.submit(started, "/account/sign-in-security/authenticator/confirm",
                Map.of("code", TestTotp.code(secret, step))).status());
        TestKeydesk.CLOCK.advance(java.time.Duration.ofSeconds(30));

        ProviderBrowser browser = new ProviderBrowser();
        ProviderBrowser.Answer landed = signIn(browser, "linked", "linked-password-1");
        assertEquals(303, landed.status(), landed.body());
        assertEquals(url + "/login/code", landed.location());
        assertNotSignedIn(browser);
        ProviderBrowser.Answer codeStep = browser.get(url + "/login/code");
        assertEquals(200, codeStep.status(), codeStep.body());
        String csrf = codeStep.doc().selectFirst("input[name=csrf_token]").attr("value");
        ProviderBrowser.Answer wrong = browser.post(url + "/login/code", Map.of("csrf_token", csrf,
                "code", TestTotp.wrongCode(secret, TestTotp.stepNow())));
        assertEquals(401, wrong.status(), wrong.body());
        assertNotSignedIn(browser);
        ProviderBrowser.Answer right = browser.post(url + "/login/code", Map.of("csrf_token", csrf,
                "code", TestTotp.code(secret, TestTotp.stepNow())));
        assertEquals(303, right.status(), right.body());
        assertEquals(url + "/account", right.location());
        assertEquals(200, browser.get(url + "/account").status());
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
        assertEquals(404, browser.get("/login/oidc/step-up?return_to=/account").status());
        // The owners' settings page stays (their navigation links to it) and says how to add a provider.
        WebClient owner = new WebClient(keydesk.baseUrl());
        owner.login("owner@example.com", Fixtures.PASSWORD);
        WebClient.Page settings = owner.get("/sign-in-settings");
        assertEquals(200, settings.status());
        assertNotNull(settings.doc().selectFirst("#no-provider"));
        assertEquals(null, settings.doc().selectFirst("input[name=password_login]"));
        assertEquals(409, owner.post("/sign-in-settings", Map.of("csrf_token", WebClient.csrf(settings),
                "password_login", "off")).status());
        // With one, the button is beside the password form.
        WebClient.Page withProvider = new WebClient(url).get("/login");
        assertEquals("Log in with Keycloak", withProvider.doc().select("#sso-login").text());
    }
}
