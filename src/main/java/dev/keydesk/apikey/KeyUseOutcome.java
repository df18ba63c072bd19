package dev.keydesk.apikey;

/** How the presentation of a key ended, as usage counts it; the names are what the usage table stores. */
public enum KeyUseOutcome {
    ALLOWED("allowed"),
    /** Malformed, unknown, or an old key past its grace period. */
    INVALID("invalid"),
    /** The account (or bot) is deactivated: blocked, in the Keys console's words. */
    DEACTIVATED("deactivated"),
    /** A valid key refused by an access rule, its scope, its address ranges or the route's role. */
    FORBIDDEN("forbidden"),
    RATE_LIMITED("rate_limited"),
    EXPIRED("expired");

    private final String dbName;

    KeyUseOutcome(String dbName) {
        this.dbName = dbName;
    }

    public String dbName() {
        return dbName;
    }

    public boolean refused() {
        return this != ALLOWED;
    }

    public static KeyUseOutcome fromDb(String name) {
        for (KeyUseOutcome outcome : values()) if (outcome.dbName.equals(name)) return outcome;
        throw new IllegalArgumentException("Unknown usage outcome " + name);
    }

    /** What an authentication alone says; the caller turns an accepted key into a refusal if its own rules do. */
    public static KeyUseOutcome of(ApiKeyAuthenticator.Result result) {
        if (result instanceof ApiKeyAuthenticator.Authenticated) return ALLOWED;
        if (result instanceof ApiKeyAuthenticator.Deactivated) return DEACTIVATED;
        if (result instanceof ApiKeyAuthenticator.Expired) return EXPIRED;
        if (result instanceof ApiKeyAuthenticator.WrongAddress) return FORBIDDEN;
        return INVALID;
    }
}
