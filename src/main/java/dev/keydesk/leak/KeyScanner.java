package dev.keydesk.leak;

import dev.keydesk.apikey.ApiKeyFormat;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds Keydesk keys in text, offline: a run of exactly 32 letters and digits (nothing of the
 * alphabet on either side) whose last 6 characters are the CRC32 of the first 26. A random
 * 32-character string passes with a chance of about one in 57 billion, so look-alikes (hashes,
 * ids, other services' tokens) are not reported.
 */
public final class KeyScanner {
    /** Git's rule: a NUL byte among the first 8,000 bytes makes a file binary. */
    static final int BINARY_PROBE = 8000;

    /** A key found on a line of a named input (a file path, or "<stdin>"). */
    public record Finding(String input, int line, String key) {
        /** The key as it may be printed: its first and last four characters. */
        public String masked() {
            return mask(key);
        }
    }

    private KeyScanner() {}

    /** The keys on one line, in order. */
    public static List<String> keysIn(CharSequence text) {
        List<String> keys = new ArrayList<>();
        int n = text.length();
        int i = 0;
        while (i < n) {
            if (!isKeyChar(text.charAt(i))) {
                i++;
                continue;
            }
            int start = i;
            while (i < n && isKeyChar(text.charAt(i))) i++;
            if (i - start == ApiKeyFormat.LENGTH) {
                String candidate = text.subSequence(start, i).toString();
                if (ApiKeyFormat.isWellFormed(candidate)) keys.add(candidate);
            }
        }
        return keys;
    }

    /**
     * Every key in a stream, line by line; empty for binary content. Bytes are read as Latin-1,
     * so any file decodes and the ASCII of a key is found whatever the file's encoding.
     */
    public static List<Finding> scan(String input, InputStream in) throws IOException {
        byte[] head = in.readNBytes(BINARY_PROBE);
        if (looksBinary(head)) return List.of();
        List<Finding> findings = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                new SequenceInputStream(new ByteArrayInputStream(head), in), StandardCharsets.ISO_8859_1))) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                for (String key : keysIn(line)) findings.add(new Finding(input, number, key));
            }
        }
        return findings;
    }

    static boolean looksBinary(byte[] head) {
        for (byte b : head) {
            if (b == 0) return true;
        }
        return false;
    }

    /** "AbCd…wXyZ": enough to tell keys apart, far too little to use one. */
    public static String mask(String key) {
        return key.substring(0, 4) + "…" + key.substring(key.length() - 4);
    }

    private static boolean isKeyChar(char c) {
        return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z';
    }
}
