package dev.keydesk.factor;

import dev.keydesk.user.User;
import java.util.Arrays;
import java.util.Optional;

/** Whom the owners require to have a second factor; the names are what the database stores. */
public enum SecondFactorPolicy {
    NOBODY("nobody", "Nobody is required to (each person may still set one up)"),
    ADMINS("admins", "Owners and administrators"),
    EVERYONE("everyone", "Everyone");

    private final String dbName;
    private final String label;

    SecondFactorPolicy(String dbName, String label) {
        this.dbName = dbName;
        this.label = label;
    }

    public String dbName() {
        return dbName;
    }

    public String label() {
        return label;
    }

    public static Optional<SecondFactorPolicy> fromDb(String name) {
        return Arrays.stream(values()).filter(p -> p.dbName.equals(name)).findFirst();
    }

    /** Whether this policy asks {@code user} for a second factor (bots never sign in to pages). */
    public boolean covers(User user) {
        if (user.isBot()) return false;
        return switch (this) {
            case NOBODY -> false;
            case ADMINS -> user.isAdmin();
            case EVERYONE -> true;
        };
    }
}
