package dev.keydesk.bot;

import dev.keydesk.web.Flash;

/** The Bots pages' notices. Each name is what the notice's cookie carries, so it is unique across features. */
public enum BotNotices implements Flash.Notice {
    BOT_CREATED(Flash.Words.of("Your bot has been created. Its API key and zuliprc are below.")),
    BOT_UPDATED(Flash.Words.of("The bot has been updated.")),
    BOT_KEY_REGENERATED(Flash.Words.of("The bot has a new API key. The old key no longer works.")),
    BOT_DEACTIVATED(Flash.Words.of("The bot has been blocked. Its key stops working until you unblock it.",
            "%s has been blocked. Its key stops working until you unblock it.")),
    BOT_REACTIVATED(Flash.Words.of("The bot has been unblocked with the API key it had before.",
            "%s has been unblocked with the API key it had before.")),
    BOT_KEY_ROTATED(Flash.Words.of("The bot has a new API key. The old key keeps working until the end of its grace period.")),
    GRACE_PERIOD_ENDED(Flash.Words.of("The grace period has ended: the old key no longer works.")),
    KEY_EXPIRY_CHANGED(Flash.Words.of("The key's expiry was changed.")),
    KEY_LIMITS_CHANGED(Flash.Words.of("What the key may open was changed."));

    private final Flash.Words words;

    BotNotices(Flash.Words words) {
        this.words = words;
    }

    @Override
    public Flash.Words words() {
        return words;
    }
}
