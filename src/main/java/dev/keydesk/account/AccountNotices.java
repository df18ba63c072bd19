package dev.keydesk.account;

import dev.keydesk.web.Flash;

/** The account pages' notices. Each name is what the notice's cookie carries, so it is unique across features. */
public enum AccountNotices implements Flash.Notice {
    PASSWORD_CHANGED(Flash.Words.counting("Your password has been changed, and your other sessions and your devices have been logged out.",
            "Your password has been changed, and your other sessions have been logged out. %s")),
    LOGGED_OUT(Flash.Words.of("You have been logged out.")),
    DEVICE_LOGGED_OUT(Flash.Words.of("The device has been logged out: its key no longer works.")),
    API_KEY_REGENERATED(Flash.Words.of("Your new API key is ready. The old key no longer works, and every device that used it has been logged out.")),
    PASSWORD_RESET(Flash.Words.counting("Your password has been changed, and your sessions and devices have been logged out. Log in with the new one.",
            "Your password has been changed, and your sessions have been logged out. %s Log in with the new one.")),
    WEEKLY_DIGEST_ON(Flash.Words.of("You will get the weekly key digest by e-mail.")),
    WEEKLY_DIGEST_OFF(Flash.Words.of("You will no longer get the weekly key digest."));

    private final Flash.Words words;

    AccountNotices(Flash.Words words) {
        this.words = words;
    }

    @Override
    public Flash.Words words() {
        return words;
    }
}
