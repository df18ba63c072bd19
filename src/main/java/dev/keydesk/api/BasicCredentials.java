package dev.keydesk.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** The {@code email:api_key} pair of an HTTP Basic Authorization header, with Zulip's answers when it is missing or malformed. */
public record BasicCredentials(String email, String key) {
    public static BasicCredentials parse(String header) {
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
        return new BasicCredentials(decoded.substring(0, colon), decoded.substring(colon + 1));
    }

    private static ApiError invalidHeader() {
        return ApiError.unauthorized("UNAUTHORIZED", "Invalid authorization header for basic auth");
    }
}
