package dev.keydesk.user;

import java.util.regex.Pattern;

/** The e-mail syntax Keydesk accepts for accounts (bots use host names such as "localhost", so no dot is required). */
public final class EmailAddress {
    private static final String LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
    private static final Pattern VALID = Pattern.compile(
            "[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@" + LABEL + "(?:\\." + LABEL + ")*");

    private EmailAddress() {}

    public static boolean isValid(String email) {
        return email != null && email.length() <= 254 && VALID.matcher(email).matches();
    }
}
