package dev.keydesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keydesk.Keydesk;
import dev.keydesk.support.ApiContract;
import dev.keydesk.guard.Access;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The API description and the server agree: the same endpoints, the same parameters, and the
 * description is served. (That every answer matches the description is checked by {@link Http}
 * on every request of every test.)
 */
@IntegrationTest
class ApiContractTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EXTRA = "keydesk_unknown_parameter";

    private final TestKeydesk keydesk = TestKeydesk.get();

    @BeforeEach
    void setUp() {
        keydesk.reset();
    }

    /** Every route Keydesk registers under /api/v1, as "METHOD /path" relative to /api/v1. */
    private static TreeSet<String> registered(Keydesk server) {
        TreeSet<String> routes = new TreeSet<>();
        for (Keydesk.Route route : server.routes()) {
            if (route.path().startsWith(ApiContract.PREFIX + "/")) {
                routes.add(route.method() + " " + route.path().substring(ApiContract.PREFIX.length()));
            }
        }
        return routes;
    }

    private static TreeSet<String> documented() {
        TreeSet<String> operations = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = ApiContract.DOCUMENT.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (String method : List.of("get", "put", "post", "delete", "options", "head", "patch", "trace")) {
                if (path.getValue().has(method)) operations.add(method.toUpperCase() + " " + path.getKey());
            }
        }
        return operations;
    }

    @Test
    void theDescriptionListsExactlyTheRoutesKeydeskRegisters() {
        TreeSet<String> documented = documented();
        for (Keydesk server : List.of(keydesk.primary(), keydesk.secondary())) {
            TreeSet<String> registered = registered(server);
            TreeSet<String> expected = new TreeSet<>(documented);
            // The development login is routed only in development mode, as on a Zulip server (404 elsewhere).
            if (!server.services().settings().devMode()) expected.remove("POST /dev_fetch_api_key");
            TreeSet<String> undocumented = new TreeSet<>(registered);
            undocumented.removeAll(documented);
            TreeSet<String> missing = new TreeSet<>(expected);
            missing.removeAll(registered);
            assertTrue(undocumented.isEmpty(), "registered but not in openapi.yaml: " + undocumented);
            assertTrue(missing.isEmpty(), "in openapi.yaml but not registered: " + missing);
        }
        assertTrue(documented.size() >= 16, documented.toString());
    }

    @Test
    void theDescriptionIsServedAsJsonWithoutAuthentication() {
        Http.Response r = Http.get(keydesk.baseUrl() + "/api/v1/openapi.json", null);
        assertEquals(200, r.status());
        assertEquals(ApiContract.DOCUMENT, r.json());
        assertEquals("3.1.0", r.json().get("openapi").asText());
    }

    /** The checker itself: it refuses what the description does not allow. */
    @Test
    void theCheckerRefusesAnswersTheDescriptionDoesNotAllow() {
        HttpHeaders json = HttpHeaders.of(Map.of("Content-Type", List.of("application/json")), (a, b) -> true);
        String done = "{\"result\":\"success\",\"msg\":\"\"}";
        ApiContract.check("DELETE", "/api/v1/bots/7", new Http.Response(200, json, done));
        assertThrows(AssertionError.class, () -> ApiContract.check("DELETE", "/api/v1/bots/7",
                new Http.Response(200, json, "{\"result\":\"success\",\"msg\":\"\",\"extra\":1}")), "an undocumented field");
        assertThrows(AssertionError.class, () -> ApiContract.check("DELETE", "/api/v1/bots/7",
                new Http.Response(418, json, done)), "an undocumented status");
        assertThrows(AssertionError.class, () -> ApiContract.check("GET", "/api/v1/users/me",
                new Http.Response(401, json, "{\"result\":\"error\",\"msg\":\"Invalid API key\",\"code\":\"UNAUTHORIZED\"}")),
                "a 401 without WWW-Authenticate");
        assertThrows(AssertionError.class, () -> ApiContract.check("GET", "/api/v1/users/me",
                new Http.Response(400, json, "{\"result\":\"error\",\"msg\":\"x\",\"code\":\"NOPE\"}")), "an undocumented code");
        assertThrows(AssertionError.class, () -> ApiContract.check("GET", "/api/v1/bots",
                new Http.Response(200, json, "{\"result\":\"success\",\"msg\":\"\",\"bots\":[{\"user_id\":1}]}")),
                "an item missing its fields");
        assertThrows(AssertionError.class, () -> ApiContract.check("GET", "/api/v1/no_such_thing",
                new Http.Response(200, json, done)), "a path the description does not list");
    }

    /** How to call one operation successfully: where, as whom, and the values the fixtures decide. */
    private record Call(String base, Map<String, String> pathParams, String authorization, Map<String, String> values) {}

    private Call prepare(String operation) {
        User owner = Fixtures.user("lear@zulip.com", "King Lear", Role.OWNER);
        User member = Fixtures.member("cordelia@zulip.com");
        String ownerAuth = Http.basic(owner.email(), Fixtures.keyOf(owner));
        String memberAuth = Http.basic(member.email(), Fixtures.keyOf(member));
        long botId = Fixtures.webhookBot(member, "Hook Bot", "hook", "https://example.com/hook").bot().id();
        String api = keydesk.baseUrl() + ApiContract.PREFIX;
        return switch (operation) {
            case "POST /fetch_api_key" -> new Call(api, Map.of(), null,
                    Map.of("username", member.email(), "password", Fixtures.PASSWORD));
            case "POST /dev_fetch_api_key" -> new Call(keydesk.secondaryUrl() + ApiContract.PREFIX, Map.of(), null,
                    Map.of("username", member.email()));
            case "GET /server_settings", "POST /server_settings", "GET /openapi.json" -> new Call(api, Map.of(), null, Map.of());
            case "GET /users/me", "POST /users/me/api_key/regenerate", "GET /bots", "POST /bots" ->
                    new Call(api, Map.of(), memberAuth, Map.of());
            case "PATCH /bots/{bot_id}" -> new Call(api, Map.of("bot_id", Long.toString(botId)), memberAuth,
                    Map.of("bot_owner_id", Long.toString(member.id())));
            case "DELETE /bots/{bot_id}", "GET /bots/{bot_id}/api_key", "POST /bots/{bot_id}/api_key/regenerate" ->
                    new Call(api, Map.of("bot_id", Long.toString(botId)), memberAuth, Map.of());
            case "DELETE /users/{user_id}", "PATCH /users/{user_id}", "POST /users/{user_id}/api_key/regenerate" ->
                    new Call(api, Map.of("user_id", Long.toString(member.id())), ownerAuth, Map.of());
            case "POST /users/{user_id}/reactivate" -> {
                Fixtures.deactivate(member);
                yield new Call(api, Map.of("user_id", Long.toString(member.id())), ownerAuth, Map.of());
            }
            case "GET /guarded_services", "POST /guarded_services" -> new Call(api, Map.of(), ownerAuth, Map.of());
            case "PATCH /guarded_services/{service_id}", "DELETE /guarded_services/{service_id}",
                    "POST /guarded_services/{service_id}/token/regenerate" ->
                    new Call(api, Map.of("service_id", Long.toString(Fixtures.service("Existing", Access.CHOSEN).service().id())),
                            ownerAuth, Map.of());
            case "POST /guarded_services/{service_id}/members" -> new Call(api,
                    Map.of("service_id", Long.toString(Fixtures.service("Existing", Access.CHOSEN).service().id())), ownerAuth,
                    Map.of("user_id", Long.toString(member.id())));
            case "DELETE /guarded_services/{service_id}/members/{user_id}" -> {
                long serviceId = Fixtures.service("Existing", Access.CHOSEN).service().id();
                Fixtures.addToService(serviceId, member.id());
                yield new Call(api, Map.of("service_id", Long.toString(serviceId), "user_id", Long.toString(member.id())),
                        ownerAuth, Map.of());
            }
            case "POST /keys/verify" -> new Call(api, Map.of(), "Bearer " + Fixtures.service("Reports", Access.EVERYONE).token(),
                    Map.of("key", Fixtures.keyOf(member), "email", member.email()));
            case "POST /device_authorization" -> new Call(api, Map.of(), null, Map.of());
            case "POST /device_token" -> {
                yield new Call(api, Map.of(), null, Map.of("device_code", Fixtures.approvedDeviceLogin(member, "ContractTest")));
            }
            case "POST /keys/report" -> new Call(api, Map.of(), null, Map.of("keys", Fixtures.keyOf(member)));
            case "POST /keys/lookup" -> new Call(api, Map.of(), ownerAuth, Map.of("key", Fixtures.keyOf(member)));
            case "GET /keys/{key_id}/usage" -> {
                Fixtures.keyOf(member);
                long keyId = Fixtures.count("SELECT id FROM api_keys WHERE revoked_at IS NULL AND user_id = " + member.id());
                yield new Call(api, Map.of("key_id", Long.toString(keyId)), ownerAuth, Map.of());
            }
            default -> throw new AssertionError("No fixture for " + operation + ": add one to ApiContractTest.prepare");
        };
    }

    /**
     * Each endpoint is called with every parameter the description names (its example value, sent
     * the way the description says: JSON-encoded where it says so), plus {@code client} and one
     * unknown parameter; exactly the unknown one must come back as ignored.
     */
    @Test
    void everyEndpointReadsExactlyTheParametersTheDescriptionNames() throws Exception {
        for (String operation : documented()) {
            keydesk.reset();
            String method = operation.substring(0, operation.indexOf(' '));
            String template = operation.substring(operation.indexOf(' ') + 1);
            Call call = prepare(operation);
            JsonNode op = ApiContract.operation(method, template).orElseThrow();

            Map<String, String> params = new LinkedHashMap<>();
            JsonNode form = op.path("requestBody").path("content").path("application/x-www-form-urlencoded");
            JsonNode schema = ApiContract.resolve(form.path("schema"));
            for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> property = it.next();
                String name = property.getKey();
                JsonNode example = property.getValue().get("example");
                if (example == null) fail(operation + ": parameter " + name + " has no example in openapi.yaml");
                boolean jsonEncoded = "application/json".equals(form.path("encoding").path(name).path("contentType").asText());
                String value = call.values().getOrDefault(name, jsonEncoded ? JSON.writeValueAsString(example) : example.asText());
                if (call.values().containsKey(name) && jsonEncoded && example.isTextual()) value = JSON.writeValueAsString(value);
                params.put(name, value);
            }
            for (JsonNode parameter : op.path("parameters")) {
                JsonNode p = ApiContract.resolve(parameter);
                if ("query".equals(p.path("in").asText())) params.put(p.get("name").asText(), p.get("example").asText());
            }
            params.put("client", "ContractTest");
            params.put(EXTRA, "1");

            String path = template;
            for (var e : call.pathParams().entrySet()) path = path.replace("{" + e.getKey() + "}", e.getValue());
            Map<String, String> headers = call.authorization() == null ? Map.of() : Map.of("Authorization", call.authorization());
            Http.Response r = method.equals("GET")
                    ? Http.raw("GET", call.base() + path + "?" + Http.urlencode(params), null, null, headers)
                    : Http.raw(method, call.base() + path, "application/x-www-form-urlencoded",
                            Http.urlencode(params).getBytes(StandardCharsets.UTF_8), headers);
            assertEquals(200, r.status(), operation + " with " + params + ": " + r.body());
            // The description itself is a static document, not a Zulip answer: nothing to report in it.
            if (operation.equals("GET /openapi.json")) continue;
            assertEquals(List.of(EXTRA), JSON.convertValue(r.json().get("ignored_parameters_unsupported"), List.class),
                    operation + " with " + params + ": " + r.body());
        }
    }
}
