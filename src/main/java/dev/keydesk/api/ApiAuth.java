package dev.keydesk.api;

import dev.keydesk.apikey.ApiKeyAuthenticator;
import dev.keydesk.apikey.KeyOwner;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** HTTP Basic {@code email:api_key} authentication with Zulip's statuses, codes and messages. */
public final class ApiAuth {
    private final ApiKeyAuthenticator authenticator;

    public ApiAuth(ApiKeyAuthenticator authenticator) {
        this.authenticator = authenticator;
    }

    public KeyOwner require(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null || header.isBlank()) {
            throw ApiError.unauthorized("UNAUTHORIZED", "Not logged in: API authentication or user session required");
        }
        String[] parts = header.trim().split("\\s+", 2);
        if (!parts[0].equalsIgnoreCase("Basic")) {
            throw ApiError.badRequest("This endpoint requires HTTP basic authentication.");
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(parts.length > 1 ? parts[1] : ""), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw invalidHeader();
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) throw invalidHeader();
        String email = decoded.substring(0, colon);
        String key = decoded.substring(colon + 1);
        ApiKeyAuthenticator.Result result = authenticator.authenticate(email, key);
        if (result instanceof ApiKeyAuthenticator.Authenticated ok) return ok.owner();
        if (result instanceof ApiKeyAuthenticator.Deactivated) {
            throw ApiError.unauthorized("USER_DEACTIVATED", "Account is deactivated");
        }
        if (result instanceof ApiKeyAuthenticator.Malformed) {
            throw ApiError.unauthorized("INVALID_API_KEY", "Malformed API key");
        }
        throw ApiError.unauthorized("INVALID_API_KEY", "Invalid API key");
    }

    private static ApiError invalidHeader() {
        return ApiError.unauthorized("UNAUTHORIZED", "Invalid authorization header for basic auth");
    }
}
