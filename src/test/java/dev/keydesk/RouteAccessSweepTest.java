package dev.keydesk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.config.Settings;
import dev.keydesk.guard.Access;
import dev.keydesk.session.WebSession;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every route Keydesk registers, called by every kind of caller: the answer must match the role
 * the route declares (a caller below it is refused with 401, 403 or a redirect to the login page,
 * never a 2xx or a 500; a caller at or above it reaches the handler). Every state-changing page
 * request without its form token is refused and changes nothing. Runs against a server of its
 * own, with a metrics token, so that every role has a caller who holds it.
 */
@IntegrationTest
class RouteAccessSweepTest {
    private static final String METRICS_TOKEN = "sweep-metrics-token-0123456789";
    private static final String MISSING_TOKEN = "no-such-token-0123456789abcdefghijklmnopqrstu";

    /**
     * The browser routes that change state without a form token, each with why. None: the login,
     * setup, invitation and password-reset forms are sent before sign-in, and carry the visitor's
     * cookie token (double submit) instead of a session's.
     */
    private static final Map<String, String> EXEMPT_FROM_FORM_TOKEN = Map.of();

    /**
     * Who may call each route, written out once more: a role changed in the code (an
     * administrators' page opened to members, say) fails here until this table agrees, so that
     * each change of access is a deliberate one. ANY stands for every method forward-auth answers.
     */
    private static final String ROUTE_TABLE = """
            ANONYMOUS            GET /
            ANONYMOUS            GET /health
            ANONYMOUS            GET /login
            ANONYMOUS            POST /login
            ANONYMOUS            POST /logout
            ANONYMOUS            GET /login/code
            ANONYMOUS            POST /login/code
            ANONYMOUS            POST /login/passkey/options
            ANONYMOUS            POST /login/passkey
            ANONYMOUS            POST /login/code/passkey/options
            ANONYMOUS            POST /login/code/passkey
            ANONYMOUS            GET /login/oidc
            ANONYMOUS            GET /login/oidc/callback
            ANONYMOUS            GET /accounts/password/reset
            ANONYMOUS            POST /accounts/password/reset
            ANONYMOUS            GET /accounts/password/reset/{token}
            ANONYMOUS            POST /accounts/password/reset/{token}
            ANONYMOUS            GET /api/v1/openapi.json
            ANONYMOUS            POST /api/v1/fetch_api_key
            ANONYMOUS            POST /api/v1/device_authorization
            ANONYMOUS            POST /api/v1/device_token
            ANONYMOUS            GET /avatar/{user_id}
            ANONYMOUS            POST /api/v1/keys/report
            ANONYMOUS            GET /api/v1/server_settings
            ANONYMOUS            POST /api/v1/server_settings
            ANONYMOUS            GET /invite/{token}
            ANONYMOUS            POST /invite/{token}
            ANONYMOUS            GET /setup/{token}
            ANONYMOUS            POST /setup/{token}
            SIGNED_IN            GET /account
            SIGNED_IN            GET /account/api-key
            SIGNED_IN            POST /account/api-key
            SIGNED_IN            GET /account/api-key/shown
            SIGNED_IN            POST /account/api-key/regenerate
            SIGNED_IN            POST /account/zuliprc
            SIGNED_IN            POST /account/password
            SIGNED_IN            POST /account/devices/{device_id}/logout
            SIGNED_IN            GET /account/sign-in-security
            SIGNED_IN            POST /account/sign-in-security/authenticator
            SIGNED_IN            POST /account/sign-in-security/authenticator/confirm
            SIGNED_IN            POST /account/sign-in-security/authenticator/remove
            SIGNED_IN            POST /account/sign-in-security/recovery-codes
            SIGNED_IN            POST /account/sign-in-security/passkeys/options
            SIGNED_IN            POST /account/sign-in-security/passkeys
            SIGNED_IN            POST /account/sign-in-security/passkeys/{passkey_id}/remove
            SIGNED_IN            POST /account/sign-in-security/passkeys/step-up-options
            SIGNED_IN            GET /device
            SIGNED_IN            POST /device
            SIGNED_IN            POST /device/approve
            SIGNED_IN            POST /device/deny
            SIGNED_IN            GET /bots
            SIGNED_IN            GET /bots/new
            SIGNED_IN            POST /bots
            SIGNED_IN            GET /bots/{bot_id}
            SIGNED_IN            GET /bots/{bot_id}/zuliprc
            SIGNED_IN            POST /bots/{bot_id}/api-key/regenerate
            SIGNED_IN            POST /bots/{bot_id}/api-key/old/{key_id}/end
            SIGNED_IN            POST /bots/{bot_id}/api-key/expiry
            SIGNED_IN            GET /bots/{bot_id}/edit
            SIGNED_IN            POST /bots/{bot_id}/edit
            SIGNED_IN            POST /bots/{bot_id}/deactivate
            SIGNED_IN            POST /bots/{bot_id}/reactivate
            SIGNED_IN            GET /account-choices
            SIGNED_IN            GET /bots/{bot_id}/api-key/limits
            SIGNED_IN            POST /bots/{bot_id}/api-key/limits
            SIGNED_IN            GET /account/api-key/limits
            SIGNED_IN            POST /account/api-key/limits
            SIGNED_IN            GET /account/devices/{device_id}/limits
            SIGNED_IN            POST /account/devices/{device_id}/limits
            SIGNED_IN            GET /step-up
            SIGNED_IN            POST /step-up
            SIGNED_IN            GET /login/oidc/step-up
            ADMIN                GET /audit-log
            ADMIN                GET /services
            ADMIN                GET /services/new
            ADMIN                POST /services
            ADMIN                GET /services/{id}
            ADMIN                POST /services/{id}
            ADMIN                POST /services/{id}/token
            ADMIN                POST /services/{id}/members
            ADMIN                POST /services/{id}/members/{user_id}/remove
            ADMIN                POST /services/{id}/delete
            ADMIN                GET /keys/lookup
            ADMIN                POST /keys/lookup
            ADMIN                POST /keys/lookup/{key_id}/replace
            ADMIN                POST /keys/lookup/{key_id}/block
            ADMIN                GET /keys
            ADMIN                GET /keys/new
            ADMIN                POST /keys
            ADMIN                POST /keys/bulk
            ADMIN                GET /keys/{bot_id}/edit
            ADMIN                POST /keys/{bot_id}/edit
            ADMIN                POST /keys/{bot_id}/token
            ADMIN                POST /keys/{bot_id}/block
            ADMIN                POST /keys/{bot_id}/unblock
            ADMIN                POST /keys/{bot_id}/delete
            ADMIN                GET /users
            ADMIN                GET /usage
            ADMIN                GET /usage.csv
            ADMIN                POST /users/{user_id}/role
            ADMIN                POST /users/{user_id}/deactivate
            ADMIN                POST /users/{user_id}/reactivate
            ADMIN                POST /users/{user_id}/api-key/regenerate
            ADMIN                POST /users/invitations
            ADMIN                POST /users/invitations/{invitation_id}/revoke
            OWNER                POST /keys/policy
            OWNER                POST /account/sign-in-policy
            OWNER                POST /account/weekly-digest
            OWNER                GET /sign-in-settings
            OWNER                POST /sign-in-settings
            API_KEY              GET /api/v1/users/me
            API_KEY              POST /api/v1/users/me/api_key/regenerate
            API_KEY              DELETE /api/v1/bots/{bot_id}
            API_KEY              POST /api/v1/users/{user_id}/reactivate
            API_KEY              GET /api/v1/keys/{key_id}/usage
            API_MEMBER_OR_ADMIN  GET /api/v1/bots
            API_MEMBER_OR_ADMIN  POST /api/v1/bots
            API_MEMBER_OR_ADMIN  PATCH /api/v1/bots/{bot_id}
            API_MEMBER_OR_ADMIN  GET /api/v1/bots/{bot_id}/api_key
            API_MEMBER_OR_ADMIN  POST /api/v1/bots/{bot_id}/api_key/regenerate
            API_ADMIN            GET /api/v1/guarded_services
            API_ADMIN            POST /api/v1/guarded_services
            API_ADMIN            PATCH /api/v1/guarded_services/{service_id}
            API_ADMIN            DELETE /api/v1/guarded_services/{service_id}
            API_ADMIN            POST /api/v1/guarded_services/{service_id}/token/regenerate
            API_ADMIN            POST /api/v1/guarded_services/{service_id}/members
            API_ADMIN            DELETE /api/v1/guarded_services/{service_id}/members/{user_id}
            API_ADMIN            POST /api/v1/keys/lookup
            API_ADMIN            DELETE /api/v1/users/{user_id}
            API_ADMIN            PATCH /api/v1/users/{user_id}
            API_ADMIN            POST /api/v1/users/{user_id}/api_key/regenerate
            SERVICE_TOKEN        POST /api/v1/keys/verify
            METRICS_TOKEN        GET /metrics
            SERVICE_TOKEN        ANY /forward-auth
            SERVICE_TOKEN        ANY /forward-auth/<rest>
            """;

    private static final TestKeydesk keydesk = TestKeydesk.get();
    private static Keydesk server;
    private static String url;

    /**
     * The kinds of caller. Within one route the device and the bot call before the people: a
     * person replacing their own key logs their devices out.
     */
    enum Caller { NOBODY, DEVICE_KEY, BOT_KEY, MEMBER, ADMIN, OWNER, SERVICE_TOKEN, METRICS_SCRAPER }

    /** What one caller sends: a Cookie header, the form token that goes with it, other headers. */
    record Credentials(String cookie, String formToken, Map<String, String> headers) {}

    /** The objects the path parameters name, so that handlers reach their logic. */
    record Objects(User member, User admin, User owner, User target, long botId, long callerBotId, long oldKeyId,
                   long deviceId, long serviceId, long invitationId, String serviceToken) {}

    @BeforeAll
    static void start() {
        // A provider is configured (at a closed port: discovery is only tried on a sign-in), so that
        // the single sign-on routes are registered and swept too.
        server = Keydesk.start(Settings.fromMap(keydesk.env(Map.of(
                "KEYDESK_DATABASE_URL", keydesk.databaseUrl(), "KEYDESK_METRICS_TOKEN", METRICS_TOKEN,
                "KEYDESK_OIDC_ISSUER", "http://127.0.0.1:9/realms/none",
                "KEYDESK_OIDC_CLIENT_ID", "keydesk",
                "KEYDESK_OIDC_CLIENT_SECRET_FILE", secretFile()))), TestKeydesk.TUNING);
        url = "http://localhost:" + server.port();
    }

    private static String secretFile() {
        try {
            java.nio.file.Path file = java.nio.file.Files.createTempFile("sweep-oidc-secret", ".txt");
            java.nio.file.Files.writeString(file, "sweep-client-secret");
            file.toFile().deleteOnExit();
            return file.toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    /** Whether a caller holds the role. A route without a role fails the sweep. */
    static boolean holds(Keydesk.Route route, Caller caller) {
        RouteAccess access = route.access();
        if (access == null) throw new AssertionError(route.method() + " " + route.path() + " declares no RouteAccess");
        return switch (access) {
            case ANONYMOUS -> true;
            case SIGNED_IN -> Set.of(Caller.MEMBER, Caller.ADMIN, Caller.OWNER).contains(caller);
            case ADMIN, API_ADMIN -> Set.of(Caller.ADMIN, Caller.OWNER).contains(caller);
            case OWNER -> caller == Caller.OWNER;
            case API_KEY -> Set.of(Caller.MEMBER, Caller.ADMIN, Caller.OWNER, Caller.BOT_KEY, Caller.DEVICE_KEY).contains(caller);
            case API_MEMBER_OR_ADMIN -> Set.of(Caller.MEMBER, Caller.ADMIN, Caller.OWNER, Caller.DEVICE_KEY).contains(caller);
            case SERVICE_TOKEN -> caller == Caller.SERVICE_TOKEN;
            case METRICS_TOKEN -> caller == Caller.METRICS_SCRAPER;
        };
    }

    /**
     * Whether the answer is the access check's refusal for this kind of route: the login page or
     * a 403 page for pages; Zulip's 401, or its 400 for a key of the wrong kind of account, for the
     * API; the service token's or the metrics token's 401.
     */
    static boolean refused(RouteAccess access, String method, Http.Response r) {
        return switch (access) {
            case ANONYMOUS -> false;
            case SIGNED_IN, ADMIN, OWNER -> (r.status() == 303 || r.status() == 302)
                    && r.header("Location").orElse("").startsWith("/login")
                    || r.status() == 403 && (r.body().contains("This page is for the organization&#39;s administrators.")
                            || r.body().contains("This page is for the organization's administrators.")
                            || r.body().contains("Only the organization&#39;s owners may do this.")
                            || r.body().contains("Only the organization's owners may do this."));
            case API_KEY, API_MEMBER_OR_ADMIN, API_ADMIN -> r.status() == 401 && r.body().contains("\"UNAUTHORIZED\"")
                    || r.status() == 400 && (r.body().contains("\"Must be an organization administrator\"")
                            || r.body().contains("\"This endpoint requires HTTP basic authentication.\"")
                            || r.body().contains("\"Not allowed for guest users\"")
                            || r.body().contains("\"This endpoint does not accept bot requests.\""));
            // A HEAD answer has no body: the token's refusal is the 401 without a challenge for a key.
            case SERVICE_TOKEN -> r.status() == 401 && (r.body().contains("Unknown or missing service token")
                    || method.equals("HEAD") && r.header("WWW-Authenticate").isEmpty());
            case METRICS_TOKEN -> r.status() == 401 && r.body().contains("A metrics token is required.");
        };
    }

    @Test
    void theSweepFailsARouteWithoutARole() {
        Keydesk.Route planted = new Keydesk.Route("GET", "/planted", null);
        Keydesk.Route declared = new Keydesk.Route("GET", "/account", RouteAccess.SIGNED_IN);
        assertThrows(AssertionError.class, () -> holds(planted, Caller.OWNER));
        assertEquals(List.of(planted), Keydesk.withoutAccess(List.of(declared, planted)));
        assertTrue(holds(declared, Caller.MEMBER));
        assertTrue(!holds(declared, Caller.BOT_KEY));
    }

    /** The routes as the table above lists them: "ROLE METHOD path", forward-auth's methods as ANY. */
    static Set<String> tableOf(List<Keydesk.Route> routes) {
        Set<String> table = new TreeSet<>();
        for (Keydesk.Route route : routes) {
            String method = route.path().startsWith("/forward-auth") ? "ANY" : route.method();
            table.add(route.access() + " " + method + " " + route.path());
        }
        return table;
    }

    @Test
    void eachRouteHasTheRoleTheTableGivesIt() {
        Set<String> expected = new TreeSet<>();
        for (String line : ROUTE_TABLE.strip().split("\n")) expected.add(line.strip().replaceAll("\\s+", " "));
        assertEquals(String.join("\n", expected), String.join("\n", tableOf(server.routes())));
    }

    @Test
    void everyRouteAnswersEachCallerAsItsRoleSays() {
        keydesk.reset();
        Objects objects = objects();
        List<Keydesk.Route> routes = server.routes();
        assertEquals(List.of(), Keydesk.withoutAccess(routes), "routes without a RouteAccess");
        assertTrue(routes.size() >= 90, "only " + routes.size() + " routes");

        Map<Caller, Credentials> callers = new EnumMap<>(Caller.class);
        for (Caller caller : Caller.values()) callers.put(caller, credentials(caller, objects));
        List<String> wrong = new ArrayList<>();
        Map<RouteAccess, Integer> perRole = new TreeMap<>();
        for (Keydesk.Route route : routes) {
            perRole.merge(route.access(), 1, Integer::sum);
            String path = fill(route.path(), objects);
            for (Caller caller : Caller.values()) {
                // An earlier request may have ended a session or replaced a key (a device's key rotates
                // its account's, the member's main key included): the caller is made again then.
                if (!stillValid(caller, callers.get(caller))) callers.put(caller, credentials(caller, objects));
                Http.Response r = send(route.method(), path, callers.get(caller), true);
                boolean holds = holds(route, caller);
                boolean refused = refused(route.access(), route.method(), r);
                if (r.status() >= 500 || holds == refused || !holds && r.status() >= 200 && r.status() < 300) {
                    wrong.add(route.method() + " " + path + " (" + route.access() + ") as " + caller + ": " + r.status()
                            + " " + r.header("Location").orElse("") + " " + abbreviated(r.body()));
                }
            }
        }
        System.out.println("Routes per role: " + perRole);
        assertEquals(List.of(), wrong, "answers that do not match the declared role:\n" + String.join("\n", wrong));
    }

    @Test
    void everyStateChangingPageRequestWithoutItsFormTokenIsRefusedAndChangesNothing() {
        keydesk.reset();
        Objects objects = objects();
        Credentials owner = credentials(Caller.OWNER, objects);
        Credentials visitor = credentials(Caller.NOBODY, objects);
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (Keydesk.Route route : server.routes()) {
            if (!isBrowserWrite(route)) continue;
            String path = fill(route.path(), objects);
            boolean exempt = EXEMPT_FROM_FORM_TOKEN.containsKey(route.path());
            for (Credentials who : List.of(owner, visitor)) {
                long auditRows = Fixtures.count("SELECT count(*) FROM audit_log");
                long sessions = Fixtures.count("SELECT count(*) FROM sessions");
                Http.Response r = send(route.method(), path, who, false);
                boolean refusedForToken = r.status() == 403 && r.body().contains("This form has expired or did not come from Keydesk");
                if (exempt == refusedForToken || auditRows != Fixtures.count("SELECT count(*) FROM audit_log")
                        && !exempt || sessions != Fixtures.count("SELECT count(*) FROM sessions") && !exempt) {
                    wrong.add(route.method() + " " + path + (who == owner ? " signed in" : " as a visitor") + ": "
                            + r.status() + " " + abbreviated(r.body()));
                }
                checked++;
            }
        }
        assertEquals(List.of(), wrong, "state-changing page requests without a form token:\n" + String.join("\n", wrong));
        assertTrue(checked >= 80, "only " + checked + " requests");
        // The same requests with the token are not refused for it: the sweep above would see nothing otherwise.
        Http.Response withToken = send("POST", "/bots/" + objects.botId() + "/deactivate", owner, true);
        assertNotEquals(403, withToken.status(), withToken.body());
    }

    /** A page request that may change something: any method but GET/HEAD/OPTIONS off the API and forward-auth. */
    private static boolean isBrowserWrite(Keydesk.Route route) {
        return !Set.of("GET", "HEAD", "OPTIONS").contains(route.method()) && !route.path().startsWith("/api/")
                && !route.path().startsWith("/forward-auth");
    }

    private static Objects objects() {
        User owner = Fixtures.user("lear@zulip.com", "King Lear", Role.OWNER);
        User admin = Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        User member = Fixtures.member("cordelia@zulip.com");
        User target = Fixtures.member("hamlet@zulip.com");
        long botId = Fixtures.bot(member, "Sweep Bot", "sweep").bot().id();
        long callerBotId = Fixtures.bot(member, "Caller Bot", "caller").bot().id();
        Fixtures.regenerateBotKey(botId, Duration.ofHours(1));
        long oldKeyId = Fixtures.count("SELECT max(id) FROM api_keys WHERE kind = 'retiring'");
        Http.Response fetched = Http.postForm(url + "/api/v1/fetch_api_key",
                Map.of("username", member.email(), "password", Fixtures.PASSWORD), null);
        assertEquals(200, fetched.status(), fetched.body());
        long deviceId = Fixtures.count("SELECT max(id) FROM devices");
        long serviceId = Fixtures.service("Reports", Access.EVERYONE).service().id();
        // The calling service is not the one the paths name, whose token the sweep replaces.
        String serviceToken = Fixtures.service("Caller", Access.EVERYONE).token();
        Fixtures.invite(admin, "ophelia@zulip.com");
        long invitationId = Fixtures.count("SELECT max(id) FROM invitations");
        return new Objects(member, admin, owner, target, botId, callerBotId, oldKeyId, deviceId,
                serviceId, invitationId, serviceToken);
    }

    /** The path with each parameter naming a real object (a token parameter names none). */
    private static String fill(String template, Objects o) {
        // Reactivating through the API is open to any key; for a bot its owners may, so the member reaches the action.
        long userId = template.equals("/api/v1/users/{user_id}/reactivate") ? o.botId() : o.target().id();
        return template.replace("{bot_id}", Long.toString(o.botId()))
                .replace("{key_id}", Long.toString(o.oldKeyId()))
                .replace("{device_id}", Long.toString(o.deviceId()))
                .replace("{user_id}", Long.toString(userId))
                .replace("{service_id}", Long.toString(o.serviceId()))
                .replace("{id}", Long.toString(o.serviceId()))
                .replace("{invitation_id}", Long.toString(o.invitationId()))
                .replace("{passkey_id}", "1")
                .replace("{token}", MISSING_TOKEN)
                .replace("<rest>", "anything");
    }

    private static Credentials credentials(Caller caller, Objects o) {
        return switch (caller) {
            case NOBODY -> visitor(Map.of());
            case MEMBER -> person(o.member());
            case ADMIN -> person(o.admin());
            case OWNER -> person(o.owner());
            case BOT_KEY -> visitor(Map.of("Authorization", Http.basic(botEmail(o.callerBotId()),
                    Fixtures.keyOf(o.callerBotId()))));
            case DEVICE_KEY -> {
                Http.Response fetched = Http.postForm(url + "/api/v1/fetch_api_key",
                        Map.of("username", o.member().email(), "password", Fixtures.PASSWORD), null);
                assertEquals(200, fetched.status(), fetched.body());
                yield visitor(Map.of("Authorization", Http.basic(o.member().email(), fetched.json().get("api_key").asText())));
            }
            case SERVICE_TOKEN -> visitor(Map.of("X-Keydesk-Service-Token", o.serviceToken(),
                    "Authorization", "Bearer " + o.serviceToken()));
            case METRICS_SCRAPER -> visitor(Map.of("Authorization", "Bearer " + METRICS_TOKEN));
        };
    }

    private static String botEmail(long botId) {
        return keydesk.primary().database().jdbi().withHandle(h -> h.createQuery("SELECT email FROM users WHERE id = :id")
                .bind("id", botId).mapTo(String.class).one());
    }

    /** A signed-in person who also presents their own API key. */
    private static Credentials person(User user) {
        WebClient browser = new WebClient(url);
        browser.login(user.email(), Fixtures.PASSWORD);
        WebClient.Page account = browser.get("/account");
        assertEquals(200, account.status(), account.body());
        return new Credentials(WebSession.SESSION_COOKIE + "=" + browser.cookie(WebSession.SESSION_COOKIE), WebClient.csrf(account),
                Map.of("Authorization", Http.basic(user.email(), Fixtures.keyOf(user))));
    }

    /** A visitor without a session: the login page's cookie token, and the given headers. */
    private static Credentials visitor(Map<String, String> headers) {
        WebClient browser = new WebClient(url);
        WebClient.Page login = browser.get("/login");
        return new Credentials("keydesk_csrf=" + browser.cookie("keydesk_csrf"), WebClient.csrf(login), headers);
    }

    private static boolean stillValid(Caller caller, Credentials credentials) {
        String authorization = credentials.headers().get("Authorization");
        if (authorization != null && authorization.startsWith("Basic ")
                && Http.get(url + "/api/v1/users/me", authorization).status() != 200) return false;
        if (credentials.cookie().startsWith(WebSession.SESSION_COOKIE + "=")) {
            return send("GET", "/account", credentials, false).status() == 200;
        }
        return true;
    }

    private static Http.Response send(String method, String path, Credentials who, boolean withFormToken) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path))
                .method(method, method.equals("GET") || method.equals("HEAD") ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(""))
                .header("Cookie", who.cookie());
        if (!method.equals("GET") && !method.equals("HEAD")) b.header("Content-Type", "application/x-www-form-urlencoded");
        if (withFormToken) b.header("X-CSRF-Token", who.formToken());
        who.headers().forEach(b::header);
        return Http.send(b.build());
    }

    private static String abbreviated(String body) {
        String flat = body.replaceAll("\\s+", " ");
        return flat.length() > 200 ? flat.substring(0, 200) + "…" : flat;
    }
}
