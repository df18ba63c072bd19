package dev.keydesk.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/** Checks API responses against the one description of the API, src/main/resources/api/keydesk-api.json. */
public final class ApiSchema {
    private static final JsonNode SPEC = load();

    private ApiSchema() {}

    private static JsonNode load() {
        try (InputStream in = ApiSchema.class.getResourceAsStream("/api/keydesk-api.json")) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode endpoint(String method, String path) {
        for (JsonNode e : SPEC.get("endpoints")) {
            if (e.get("method").asText().equals(method) && e.get("path").asText().equals(path)) return e;
        }
        throw new AssertionError("The API description has no " + method + " " + path);
    }

    /** Fails unless the response is one the description allows for this endpoint. */
    public static void check(String method, String path, Http.Response response) {
        JsonNode endpoint = endpoint(method, path);
        JsonNode body = response.json();
        if (response.status() == 200) {
            checkSuccess(endpoint, body);
        } else {
            checkError(endpoint, response.status(), body);
        }
    }

    private static void checkSuccess(JsonNode endpoint, JsonNode body) {
        assertEquals("success", body.path("result").asText(), body.toString());
        assertEquals("", body.path("msg").asText("missing"), body.toString());
        Set<String> allowed = new HashSet<>(Set.of("result", "msg", "ignored_parameters_unsupported"));
        for (Iterator<Map.Entry<String, JsonNode>> it = endpoint.get("response").fields(); it.hasNext(); ) {
            var field = it.next();
            allowed.add(field.getKey());
            assertTrue(body.has(field.getKey()), "missing " + field.getKey() + " in " + body);
            assertType(field.getKey(), field.getValue().asText(), body.get(field.getKey()));
        }
        JsonNode optional = endpoint.path("optional_response");
        for (Iterator<Map.Entry<String, JsonNode>> it = optional.fields(); it.hasNext(); ) {
            var field = it.next();
            allowed.add(field.getKey());
            if (body.has(field.getKey()) && !body.get(field.getKey()).isNull()) {
                assertType(field.getKey(), field.getValue().asText(), body.get(field.getKey()));
            }
        }
        if (body.has("ignored_parameters_unsupported")) {
            assertType("ignored_parameters_unsupported", "array", body.get("ignored_parameters_unsupported"));
        }
        body.fieldNames().forEachRemaining(name ->
                assertTrue(allowed.contains(name), "undocumented field " + name + " in " + body));
    }

    private static void checkError(JsonNode endpoint, int status, JsonNode body) {
        assertEquals("error", body.path("result").asText(), body.toString());
        assertType("msg", "string", body.get("msg"));
        assertType("code", "string", body.get("code"));
        Map<String, Set<String>> codes = new HashMap<>();
        addCodes(codes, endpoint.get("errors"));
        if ("basic".equals(endpoint.get("auth").asText())) addCodes(codes, SPEC.get("basic_auth_errors"));
        addCodes(codes, SPEC.get("unavailable_errors"));
        Set<String> allowedCodes = codes.get(Integer.toString(status));
        if (allowedCodes == null) fail("status " + status + " is not documented for " + endpoint.get("path") + ": " + body);
        assertTrue(allowedCodes.contains(body.get("code").asText()),
                "code " + body.get("code") + " is not documented for status " + status + ": " + body);
        JsonNode extras = SPEC.get("error_extra_fields");
        body.fieldNames().forEachRemaining(name -> {
            if (Set.of("result", "msg", "code").contains(name)) return;
            assertTrue(extras.has(name), "undocumented error field " + name + " in " + body);
            assertType(name, extras.get(name).asText(), body.get(name));
        });
    }

    private static void addCodes(Map<String, Set<String>> codes, JsonNode errors) {
        errors.fields().forEachRemaining(e -> e.getValue().forEach(
                code -> codes.computeIfAbsent(e.getKey(), k -> new HashSet<>()).add(code.asText())));
    }

    private static void assertType(String name, String type, JsonNode value) {
        boolean ok = switch (type) {
            case "string" -> value != null && value.isTextual();
            case "integer" -> value != null && value.isIntegralNumber();
            case "number" -> value != null && value.isNumber();
            case "boolean" -> value != null && value.isBoolean();
            case "object" -> value != null && value.isObject();
            case "array" -> value != null && value.isArray();
            case "null" -> value != null && value.isNull();
            default -> throw new AssertionError("unknown type " + type);
        };
        assertTrue(ok, name + " should be " + type + " but is " + value);
    }
}
