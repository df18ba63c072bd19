package dev.keydesk.web;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Where a keyset-paged list continues: the sort key and id of the row a page ended (or started)
 * at, written {@code key|id} in the "after" or "before" parameter. A list never skips rows with
 * OFFSET, so a page deep in a long list costs what the first one does. Whatever cannot be read
 * (missing, too long, no id) is no cursor at all: the list shows its first page.
 */
public record Cursor(String key, long id) {
    /** Longer sort keys than this are never written by a list, so a longer value is forged. */
    private static final int MAX_KEY = 400;

    public static Optional<Cursor> parse(String raw) {
        if (raw == null || raw.length() > MAX_KEY + 21) return Optional.empty();
        int bar = raw.lastIndexOf('|');
        if (bar < 0 || bar > MAX_KEY) return Optional.empty();
        String idText = raw.substring(bar + 1);
        if (idText.isEmpty() || idText.length() > 19 || !idText.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return Optional.empty();
        }
        long id;
        try {
            id = Long.parseLong(idText);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        String key = raw.substring(0, bar);
        if (key.indexOf('\0') >= 0) return Optional.empty(); // PostgreSQL text never holds NUL
        return Optional.of(new Cursor(key, id));
    }

    /** The cursor as a query-string value. */
    public String param() {
        return URLEncoder.encode(key + "|" + id, StandardCharsets.UTF_8);
    }
}
