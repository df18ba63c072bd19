package dev.keydesk.bot;

/** What happened to a bot's key, as named in webhook bodies and the X-Keydesk-Event header. */
public enum KeyEvent {
    REGENERATED("key.regenerated"),
    BLOCKED("key.blocked"),
    UNBLOCKED("key.unblocked"),
    DELETED("key.deleted"),
    /** Reported as leaked and replaced: the new key is fetched as after key.regenerated. */
    LEAKED("key.leaked");

    private final String wireName;

    KeyEvent(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
