package dev.keydesk.user;

import dev.keydesk.errors.InvalidInputException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** Zulip's role numbers: lower is more powerful. */
public enum Role {
    OWNER(100, "Owner"),
    ADMIN(200, "Administrator"),
    MODERATOR(300, "Moderator"),
    MEMBER(400, "Member"),
    GUEST(600, "Guest");

    private final int code;
    private final String label;

    Role(int code, String label) {
        this.code = code;
        this.label = label;
    }

    public int code() {
        return code;
    }

    public String label() {
        return label;
    }

    public static Role fromCode(int code) {
        return Arrays.stream(values()).filter(r -> r.code == code).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Unknown role " + code));
    }

    /** Parses a role number as forms and the API send it ("200"); anything else is refused. */
    public static Role parseCode(String raw) {
        try {
            int code = Integer.parseInt(raw == null ? "" : raw.trim());
            return Arrays.stream(values()).filter(r -> r.code == code).findFirst()
                    .orElseThrow(() -> new InvalidInputException("Invalid role"));
        } catch (NumberFormatException e) {
            throw new InvalidInputException("Invalid role");
        }
    }

    /** Parses "owner", "admin", "member", … as typed on the command line. */
    public static Optional<Role> parse(String name) {
        if (name == null) return Optional.empty();
        String lower = name.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values())
                .filter(r -> r.name().toLowerCase(Locale.ROOT).equals(lower)
                        || ("admin".equals(lower) && r == ADMIN))
                .findFirst();
    }
}
