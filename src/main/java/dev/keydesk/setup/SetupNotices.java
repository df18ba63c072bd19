package dev.keydesk.setup;

import dev.keydesk.web.Flash;

/** The setup's notice. Each name is what the notice's cookie carries, so it is unique across features. */
public enum SetupNotices implements Flash.Notice {
    WELCOME(Flash.Words.of("Your organization is ready. Welcome to Keydesk!"));

    private final Flash.Words words;

    SetupNotices(Flash.Words words) {
        this.words = words;
    }

    @Override
    public Flash.Words words() {
        return words;
    }
}
