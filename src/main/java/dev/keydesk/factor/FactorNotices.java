package dev.keydesk.factor;

import dev.keydesk.web.Flash;

/** The sign-in security page's notices. */
public enum FactorNotices implements Flash.Notice {
    AUTHENTICATOR_REMOVED(Flash.Words.of("The authenticator app and your recovery codes were removed. You now sign in with your password alone.")),
    PASSKEY_ADDED(Flash.Words.of("The passkey was added. You can now sign in with it.")),
    PASSKEY_REMOVED(Flash.Words.of("The passkey was removed.")),
    SECOND_FACTOR_POLICY_CHANGED(Flash.Words.of("The organization's second-factor requirement was changed."));

    private final Flash.Words words;

    FactorNotices(Flash.Words words) {
        this.words = words;
    }

    @Override
    public Flash.Words words() {
        return words;
    }
}
