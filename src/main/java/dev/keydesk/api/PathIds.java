package dev.keydesk.api;

import dev.keydesk.errors.NotFoundException;

/** Ids in paths and parameters: anything that is not a positive whole number names nothing. */
public final class PathIds {
    private PathIds() {}

    /** {@code missing} is the message for an id that cannot exist, e.g. "No such bot". */
    public static long parse(String raw, String missing) {
        try {
            long id = Long.parseLong(raw == null ? "" : raw.strip());
            if (id > 0) return id;
        } catch (NumberFormatException e) {
            // falls through
        }
        throw new NotFoundException(missing);
    }
}
