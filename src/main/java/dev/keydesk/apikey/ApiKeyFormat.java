package dev.keydesk.apikey;

import dev.keydesk.security.Tokens;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Zulip's key shape: 32 characters of [A-Za-z0-9]. Keydesk fills them with 26 random base62
 * characters and 6 base62 characters of a CRC32 over those 26, so a mistyped or made-up key is
 * refused before any database work, and a secret scanner can recognise a real key offline.
 */
public final class ApiKeyFormat {
    public static final int LENGTH = 32;
    private static final int RANDOM_PART = 26;
    private static final int CHECK_PART = LENGTH - RANDOM_PART;
    private static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private ApiKeyFormat() {}

    public static String generate() {
        StringBuilder key = new StringBuilder(LENGTH);
        for (int i = 0; i < RANDOM_PART; i++) {
            key.append(ALPHABET.charAt(Tokens.random().nextInt(ALPHABET.length())));
        }
        return key.append(checksum(key)).toString();
    }

    /** Length, alphabet and checksum; no database involved. */
    public static boolean isWellFormed(String key) {
        if (key == null || key.length() != LENGTH) return false;
        for (int i = 0; i < LENGTH; i++) {
            if (ALPHABET.indexOf(key.charAt(i)) < 0) return false;
        }
        return checksum(key.subSequence(0, RANDOM_PART)).equals(key.substring(RANDOM_PART));
    }

    private static String checksum(CharSequence randomPart) {
        CRC32 crc = new CRC32();
        crc.update(randomPart.toString().getBytes(StandardCharsets.US_ASCII));
        long value = crc.getValue();
        char[] out = new char[CHECK_PART];
        for (int i = CHECK_PART - 1; i >= 0; i--) {
            out[i] = ALPHABET.charAt((int) (value % ALPHABET.length()));
            value /= ALPHABET.length();
        }
        return new String(out);
    }
}
