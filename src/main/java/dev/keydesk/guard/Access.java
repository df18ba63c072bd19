package dev.keydesk.guard;

import dev.keydesk.errors.InvalidInputException;
import java.util.Arrays;

/** Whose keys a guarded service admits. */
public enum Access {
    EVERYONE("everyone", "Every active account (people and bots)"),
    ADMINS("admins", "Administrators only"),
    CHOSEN("chosen", "Chosen people and bots");

    private final String dbName;
    private final String label;

    Access(String dbName, String label) {
        this.dbName = dbName;
        this.label = label;
    }

    public String dbName() {
        return dbName;
    }

    public String label() {
        return label;
    }

    public static Access parse(String raw) {
        return Arrays.stream(values()).filter(a -> a.dbName.equals(raw == null ? "" : raw.strip())).findFirst()
                .orElseThrow(() -> new InvalidInputException("Choose who may call the service."));
    }
}
