package dev.keydesk.apikey;

/**
 * What a key found by its digest is. {@link KeyLookup#describe} is the one place that decides it,
 * and {@link ApiKeyActions#revokeLeaked} the one place that acts on it; a new kind of key is
 * added in those two places.
 */
public enum FoundKeyKind {
    /** A person's own key: the one Account &amp; privacy shows and fetch_api_key hands out. */
    MAIN("main", "Main key"),
    /** A bot's key. */
    BOT("bot", "Bot key"),
    /** A key fetch_api_key issued to one device of a person; logged out on its own. */
    DEVICE("device", "Device key"),
    /** A bot's replaced key that still works until its grace period ends. */
    GRACE("grace", "Old key in its grace period"),
    /** A key this account once had, replaced, logged out, expired or past its grace period: it authenticates nothing. */
    NOT_CURRENT("not_current", "Not a current key");

    private final String wireName;
    private final String label;

    FoundKeyKind(String wireName, String label) {
        this.wireName = wireName;
        this.label = label;
    }

    /** As the API and the audit log name it. */
    public String wireName() {
        return wireName;
    }

    /** As pages show it. */
    public String label() {
        return label;
    }

    /** Whether the key opens anything while its account is active. */
    public boolean isCurrent() {
        return this != NOT_CURRENT;
    }
}
