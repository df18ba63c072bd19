package dev.keydesk.db;

import java.util.Locale;

/**
 * LIKE patterns for searches typed by people: their own % and _ match literally. Queries use
 * {@code ESCAPE '!'} (a backslash would trip the statement parser).
 */
public final class LikePattern {
    private LikePattern() {}

    /** Matches lower-cased text containing {@code text} anywhere; "%" (everything) for empty text. */
    public static String contains(String text) {
        if (text.isEmpty()) return "%";
        return "%" + text.toLowerCase(Locale.ROOT).replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%";
    }
}
