package dev.keydesk.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import dev.keydesk.api.ApiDescriptionRoutes;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Holds every API answer to the one description of the API, src/main/resources/api/openapi.yaml:
 * the status must be one the description lists for that path and method, the body must match its
 * schema and the required headers must be there. {@link Http} calls {@link #check} for every
 * request under /api/v1, so any test that talks to the API also tests the contract.
 *
 * <p>The schemas are checked with networknt's json-schema-validator (2.x): it implements JSON
 * Schema 2020-12, the dialect of OpenAPI 3.1, with an OpenAPI 3.1 dialect of its own, runs on
 * Jackson 2 like Keydesk, and is actively maintained. (Atlassian's swagger-request-validator
 * stops at OpenAPI 3.0, whose schemas are not JSON Schema 2020-12; openapi4j is unmaintained.)
 * Paths, methods, statuses and headers are matched here, against the description itself.
 */
public final class ApiContract {
    public static final String PREFIX = "/api/v1";
    /** Where the description "lives" for the validator, so that its "#/components/…" references resolve. */
    private static final String DOCUMENT_IRI = "https://keydesk.invalid/api/v1/openapi.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public static final JsonNode DOCUMENT = ApiDescriptionRoutes.load();
    private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi31(),
            builder -> builder.schemas(Map.of(DOCUMENT_IRI, DOCUMENT.toString())));
    private static final Map<String, Schema> CACHE = new ConcurrentHashMap<>();

    private ApiContract() {}

    /** The description's path template for a request path under /api/v1 ("/bots/42" → "/bots/{bot_id}"). */
    public static Optional<String> pathTemplate(String requestPath) {
        String path = requestPath.substring(PREFIX.length());
        String[] segments = path.split("/", -1);
        for (Iterator<String> it = DOCUMENT.path("paths").fieldNames(); it.hasNext(); ) {
            String template = it.next();
            String[] parts = template.split("/", -1);
            if (parts.length != segments.length) continue;
            boolean matches = true;
            for (int i = 0; i < parts.length && matches; i++) {
                boolean variable = parts[i].startsWith("{") && parts[i].endsWith("}");
                matches = variable ? !segments[i].isEmpty() : parts[i].equals(segments[i]);
            }
            if (matches) return Optional.of(template);
        }
        return Optional.empty();
    }

    /** The operation object for a method and path template, if the description has one. */
    public static Optional<JsonNode> operation(String method, String template) {
        JsonNode op = DOCUMENT.path("paths").path(template).path(method.toLowerCase(Locale.ROOT));
        return op.isObject() ? Optional.of(op) : Optional.empty();
    }

    /** Fails (AssertionError) unless the answer to {@code method requestPath} is one the description allows. */
    public static void check(String method, String requestPath, Http.Response response) {
        String where = method + " " + requestPath + " → " + response.status() + " " + response.body();
        Optional<String> template = pathTemplate(requestPath);
        JsonNode expected;
        if (template.isEmpty()) {
            expectStatus(404, response, where, "a path the description does not list");
            expected = resolve(DOCUMENT.at("/components/responses/EndpointNotFound"));
        } else {
            Optional<JsonNode> op = operation(method, template.get());
            if (op.isEmpty()) {
                expectStatus(405, response, where, "a method the description does not list for " + template.get());
                expected = resolve(DOCUMENT.at("/components/responses/MethodNotAllowed"));
            } else {
                JsonNode documented = op.get().path("responses").path(Integer.toString(response.status()));
                if (documented.isMissingNode()) {
                    throw new AssertionError("Status " + response.status() + " is not documented for " + method + " "
                            + template.get() + ": " + where);
                }
                expected = resolve(documented);
            }
        }
        checkHeaders(expected, response, where);
        checkBody(expected, response, where);
    }

    private static void expectStatus(int status, Http.Response response, String where, String what) {
        if (response.status() != status) {
            throw new AssertionError("The answer to " + what + " must be " + status + ": " + where);
        }
    }

    private static void checkHeaders(JsonNode expected, Http.Response response, String where) {
        for (Iterator<Map.Entry<String, JsonNode>> it = expected.path("headers").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> header = it.next();
            String ref = header.getValue().path("$ref").asText("");
            JsonNode definition = resolve(header.getValue());
            Optional<String> value = response.header(header.getKey());
            if (value.isEmpty()) {
                if (definition.path("required").asBoolean(false)) {
                    throw new AssertionError("Missing header " + header.getKey() + ": " + where);
                }
                continue;
            }
            if (ref.isEmpty()) throw new AssertionError("Headers in the description must be $refs: " + header.getKey());
            List<Error> errors = schema(ref + "/schema").validate(new TextNode(value.get()));
            if (!errors.isEmpty()) {
                throw new AssertionError("Header " + header.getKey() + ": " + value.get() + " " + errors + ": " + where);
            }
        }
    }

    private static void checkBody(JsonNode expected, Http.Response response, String where) {
        JsonNode media = expected.path("content").path("application/json");
        if (media.isMissingNode()) throw new AssertionError("The description has no JSON body for this answer: " + where);
        String contentType = response.header("Content-Type").orElse("");
        if (!contentType.startsWith("application/json")) {
            throw new AssertionError("Content-Type must be application/json, not '" + contentType + "': " + where);
        }
        String ref = media.path("schema").path("$ref").asText("");
        if (ref.isEmpty()) throw new AssertionError("Answer schemas in the description must be $refs: " + where);
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (JsonProcessingException e) {
            throw new AssertionError("Not JSON: " + where, e);
        }
        List<Error> errors = schema(ref).validate(body);
        if (!errors.isEmpty()) {
            StringBuilder message = new StringBuilder("The answer does not match " + ref + ":");
            for (Error error : errors) message.append("\n  ").append(error);
            throw new AssertionError(message + "\n" + where);
        }
    }

    private static Schema schema(String ref) {
        return CACHE.computeIfAbsent(ref, r -> SCHEMAS.getSchema(SchemaLocation.of(DOCUMENT_IRI + r)));
    }

    /** Follows a "#/components/…" reference inside the description. */
    public static JsonNode resolve(JsonNode node) {
        JsonNode current = node;
        while (current.has("$ref")) {
            String ref = current.get("$ref").asText();
            if (!ref.startsWith("#/")) throw new AssertionError("Only local references are expected: " + ref);
            current = DOCUMENT.at(ref.substring(1));
            if (current.isMissingNode()) throw new AssertionError("Dangling reference " + ref);
        }
        return current;
    }
}
