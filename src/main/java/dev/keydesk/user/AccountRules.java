package dev.keydesk.user;

import dev.keydesk.errors.InvalidInputException;

/** What Keydesk accepts as a name, an e-mail address and a password. */
public final class AccountRules {
    public static final int MIN_PASSWORD = 8;
    public static final int MAX_PASSWORD = 256;
    /** The rules above in words, shown beside every field where a new password is chosen. */
    public static final String PASSWORD_RULES = "At least " + MIN_PASSWORD + " characters (up to " + MAX_PASSWORD
            + "). Any characters are allowed; a long phrase is easier to remember and harder to guess.";
    public static final int MAX_NAME = 100;

    private AccountRules() {}

    public static String email(String raw) {
        String email = raw == null ? "" : raw.trim();
        if (email.isEmpty()) throw new InvalidInputException("Enter an e-mail address.");
        if (!EmailAddress.isValid(email)) throw new InvalidInputException("Enter a valid email address.");
        return email;
    }

    public static String fullName(String raw) {
        String name = raw == null ? "" : raw.strip();
        if (name.isEmpty()) throw new InvalidInputException("Enter a name.");
        if (name.length() > MAX_NAME) {
            throw new InvalidInputException("Names can be at most " + MAX_NAME + " characters long.");
        }
        if (hasControlCharacters(name)) {
            throw new InvalidInputException("Names cannot contain control characters.");
        }
        return name;
    }

    /**
     * Control characters, and the invisible ones that reorder text around them (bidirectional
     * embeddings, overrides, isolates and marks), with which a name could show as another
     * ("Deploy\u202Egnp.exe" reads "Deployexe.png"). Joiners stay allowed: emoji need them.
     */
    public static boolean hasControlCharacters(String text) {
        return text.chars().anyMatch(c -> Character.isISOControl(c) || isBidiControl(c));
    }

    private static boolean isBidiControl(int c) {
        return c == 0x061C                      // Arabic letter mark
                || c == 0x200E || c == 0x200F      // left-to-right and right-to-left marks
                || (c >= 0x202A && c <= 0x202E)    // embeddings and overrides
                || (c >= 0x2066 && c <= 0x2069);   // isolates
    }

    public static String newPassword(String password) {
        if (password == null || password.length() < MIN_PASSWORD) {
            throw new InvalidInputException("Passwords must be at least " + MIN_PASSWORD + " characters long.");
        }
        if (password.length() > MAX_PASSWORD) {
            throw new InvalidInputException("Passwords can be at most " + MAX_PASSWORD + " characters long.");
        }
        return password;
    }
}
