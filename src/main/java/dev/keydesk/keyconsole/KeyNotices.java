package dev.keydesk.keyconsole;

import dev.keydesk.web.Flash;

/** The Keys console's notices. Each name is what the notice's cookie carries, so it is unique across features. */
public enum KeyNotices implements Flash.Notice {
    LOOKED_UP_KEY_REPLACED(Flash.Words.of("The key was replaced: the value you looked up no longer works. Its owner finds the new key in Keydesk.")),
    LOOKED_UP_KEY_BLOCKED(Flash.Words.of("The key was blocked: its bot authenticates nothing until it is unblocked on the Keys page.")),
    KEY_POLICY_CHANGED(Flash.Words.of("The maximum lifetime for bot keys was changed."));

    private final Flash.Words words;

    KeyNotices(Flash.Words words) {
        this.words = words;
    }

    @Override
    public Flash.Words words() {
        return words;
    }
}
