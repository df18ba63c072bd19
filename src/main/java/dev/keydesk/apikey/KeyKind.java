package dev.keydesk.apikey;

/** What a key row is to its account; the names are what the api_keys table stores. */
public enum KeyKind {
    /** The account's key: shown by "Get API key", written to the zuliprc, one current per account. */
    MAIN("main"),
    /** Issued once to a device by fetch_api_key; never shown again, logged out on its own. */
    DEVICE("device"),
    /** A replaced bot key that keeps working until the end of its grace period. */
    RETIRING("retiring");

    private final String dbName;

    KeyKind(String dbName) {
        this.dbName = dbName;
    }

    public String dbName() {
        return dbName;
    }

    public static KeyKind fromDb(String name) {
        for (KeyKind kind : values()) if (kind.dbName.equals(name)) return kind;
        throw new IllegalArgumentException("Unknown key kind " + name);
    }
}
