package dev.keydesk.bot;

/** What happened to a bot's key, as named in webhook bodies and the X-Keydesk-Event header. */
public enum KeyEvent {
    REGENERATED("key.regenerated"),
    BLOCKED("key.blocked"),
    UNBLOCKED("key.unblocked"),
    DELETED("key.deleted"),
    /** Reported as leaked and replaced: the new key is fetched as after key.regenerated. */
    LEAKED("key.leaked"),
    /** The old key's grace period after a regeneration is over: it no longer works. */
    RETIRED("key.retired"),
    /** The key expires within 7 days, then within 1 day. */
    EXPIRING("key.expiring"),
    EXPIRED("key.expired");

    private final String wireName;

    KeyEvent(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
