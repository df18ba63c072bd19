package dev.keydesk.api;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The {@code email:api_key} pair of an HTTP Basic Authorization header, parsed as Zulip parses
 * it: the header must be exactly two words; a scheme other than Basic is a 400; anything that
 * does not decode (base64, UTF-8) to exactly one colon is a 401; both halves are stripped of
 * surrounding whitespace.
 */
public record BasicCredentials(String email, String key) {
    public static BasicCredentials parse(String header) {
        if (header == null || header.isBlank()) {
            throw ApiError.unauthorized("Not logged in: API authentication or user session required");
        }
        String[] words = header.strip().split("\\s+");
        if (words.length != 2) throw invalidHeader();
        if (!words[0].equalsIgnoreCase("Basic")) {
            throw ApiError.badRequest("This endpoint requires HTTP basic authentication.");
        }
        String decoded;
        try {
            // Like Python's base64 decoding, characters outside the alphabet are skipped.
            byte[] bytes = Base64.getMimeDecoder().decode(words[1]);
            decoded = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (IllegalArgumentException | CharacterCodingException e) {
            throw invalidHeader();
        }
        String[] parts = decoded.split(":", -1);
        if (parts.length != 2) throw invalidHeader();
        return new BasicCredentials(parts[0].strip(), parts[1].strip());
    }

    private static ApiError invalidHeader() {
        return ApiError.unauthorized("Invalid authorization header for basic auth");
    }
}
