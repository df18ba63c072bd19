package dev.keydesk.devicegrant;

import dev.keydesk.security.Tokens;
import java.util.Locale;
import java.util.Optional;

/**
 * The code a person types on /device, as RFC 8628 §6.1 suggests it: eight letters from twenty
 * consonants that are hard to mistake for each other and spell no words (about 34 bits), shown
 * as {@code BDFH-JKLM}. What a person types is read leniently: lower case, spaces and a missing
 * or misplaced dash are all fine.
 */
public final class UserCode {
    static final String ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";
    static final int LENGTH = 8;

    private UserCode() {}

    /** A new random code, in its canonical form (eight letters, no dash). */
    static String generate() {
        StringBuilder code = new StringBuilder(LENGTH);
        for (int i = 0; i < LENGTH; i++) code.append(ALPHABET.charAt(Tokens.random().nextInt(ALPHABET.length())));
        return code.toString();
    }

    /** The canonical form of what a person typed, or empty when it cannot be a code at all. */
    public static Optional<String> normalize(String typed) {
        if (typed == null || typed.length() > 40) return Optional.empty();
        StringBuilder code = new StringBuilder(LENGTH);
        for (char c : typed.toCharArray()) {
            if (c == '-' || Character.isWhitespace(c)) continue;
            char upper = Character.toUpperCase(c);
            if (ALPHABET.indexOf(upper) < 0) return Optional.empty();
            code.append(upper);
        }
        return code.length() == LENGTH ? Optional.of(code.toString()) : Optional.empty();
    }

    /** How a code is shown: {@code BDFH-JKLM}. */
    public static String display(String canonical) {
        return canonical.substring(0, LENGTH / 2) + "-" + canonical.substring(LENGTH / 2);
    }

    /** What is stored: the digest of the canonical form. */
    static byte[] digest(String canonical) {
        return Tokens.sha256(canonical.toUpperCase(Locale.ROOT));
    }
}
