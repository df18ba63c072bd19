package dev.keydesk.guard;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * Reads the key a client presented to a guarded service, in the three ways clients send one:
 * HTTP Basic {@code email:api_key} (what Zulip clients and zuliprc files do), a Bearer token, or
 * an {@code X-Api-Key} header. A header that is present but unreadable counts as a bad key.
 */
final class PresentedKey {
    /** Stands for credentials that were sent but cannot be read: refused as a malformed key. */
    static final KeyVerifier.Presented UNREADABLE = new KeyVerifier.Presented("?", null);

    private PresentedKey() {}

    /** The token of an {@code Authorization: Bearer …} header; null for any other header or none. */
    static String bearer(String authorization) {
        if (authorization == null) return null;
        String[] parts = authorization.strip().split("\\s+", 2);
        return parts.length == 2 && parts[0].equalsIgnoreCase("bearer") ? parts[1].strip() : null;
    }

    /** Null when the request carries no credentials at all. */
    static KeyVerifier.Presented from(String authorization, String apiKeyHeader) {
        if (authorization != null && !authorization.isBlank()) {
            String[] parts = authorization.strip().split("\\s+", 2);
            String scheme = parts[0].toLowerCase(Locale.ROOT);
            String value = parts.length > 1 ? parts[1].strip() : "";
            if (scheme.equals("bearer")) {
                String token = bearer(authorization);
                return token == null || token.isEmpty() ? UNREADABLE : new KeyVerifier.Presented(token, null);
            }
            if (scheme.equals("basic")) return basic(value);
            return UNREADABLE;
        }
        if (apiKeyHeader != null && !apiKeyHeader.isBlank()) return new KeyVerifier.Presented(apiKeyHeader.strip(), null);
        return null;
    }

    private static KeyVerifier.Presented basic(String encoded) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return UNREADABLE;
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) return UNREADABLE;
        return new KeyVerifier.Presented(decoded.substring(colon + 1), decoded.substring(0, colon));
    }
}
