package dev.keydesk.factor;

import dev.keydesk.security.Tokens;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Ten single-use codes for when the authenticator app is lost. Each holds 50 random bits in ten
 * characters of an alphabet without look-alikes (no 0/o, 1/l/i), written as two groups of five.
 * Only SHA-256 digests are stored: with guesses limited as passwords are, 50 bits cannot be
 * found by guessing, and a stolen table of digests gives nothing to type.
 */
public final class RecoveryCodes {
    public static final int COUNT = 10;
    private static final String ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";
    private static final int LENGTH = 10;

    private RecoveryCodes() {}

    public static List<String> generate() {
        List<String> codes = new ArrayList<>(COUNT);
        for (int i = 0; i < COUNT; i++) {
            StringBuilder code = new StringBuilder();
            for (int c = 0; c < LENGTH; c++) {
                if (c == LENGTH / 2) code.append('-');
                code.append(ALPHABET.charAt(Tokens.random().nextInt(ALPHABET.length())));
            }
            codes.add(code.toString());
        }
        return codes;
    }

    /** What the person typed, without spaces, dashes or capitals; null when it cannot be a code. */
    public static String normalized(String typed) {
        if (typed == null) return null;
        String s = typed.replaceAll("[\\s-]", "").toLowerCase(Locale.ROOT);
        if (s.length() != LENGTH) return null;
        for (char c : s.toCharArray()) if (ALPHABET.indexOf(c) < 0) return null;
        return s;
    }

    public static byte[] digest(String normalized) {
        return Tokens.sha256("recovery:" + normalized);
    }
}
