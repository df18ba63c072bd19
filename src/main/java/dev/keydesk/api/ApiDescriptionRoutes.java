package dev.keydesk.api;

import dev.keydesk.access.RouteAccess;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * GET /api/v1/openapi.json: the OpenAPI 3.1 description of Keydesk's API, written in
 * {@code api/openapi.yaml} and served as JSON. Converted once, at start; needs no authentication.
 */
public final class ApiDescriptionRoutes {
    public static final String RESOURCE = "/api/openapi.yaml";

    private final byte[] json;

    public ApiDescriptionRoutes() {
        this.json = toJson(load());
    }

    /** The description as a JSON tree, for whoever needs to read it (the tests, for one). */
    public static JsonNode load() {
        try (InputStream in = ApiDescriptionRoutes.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("Missing " + RESOURCE + " on the classpath");
            return new ObjectMapper(new YAMLFactory()).readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + RESOURCE, e);
        }
    }

    private static byte[] toJson(JsonNode description) {
        try {
            return new ObjectMapper().writeValueAsBytes(description);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void register(RoutesConfig routes) {
        routes.get("/api/v1/openapi.json", this::serve, RouteAccess.ANONYMOUS);
    }

    private void serve(Context ctx) {
        ctx.contentType("application/json").result(json);
    }
}
