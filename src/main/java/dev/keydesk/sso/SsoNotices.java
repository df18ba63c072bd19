package dev.keydesk.sso;

import dev.keydesk.web.Flash;

/** Single sign-on's notices. Each name is what the notice's cookie carries, so it is unique across features. */
public enum SsoNotices implements Flash.Notice {
    SSO_UNREACHABLE(Flash.Words.of("The sign-in provider could not be reached. Try again in a while, or log in with your password.")),
    PASSWORD_LOGIN_ON(Flash.Words.of("Password sign-in is on: everyone may log in with a password or through the provider.")),
    PASSWORD_LOGIN_OFF(Flash.Words.of("Password sign-in is off: people log in through the provider; owners keep their password."));

    private final Flash.Words words;

    SsoNotices(Flash.Words words) {
        this.words = words;
    }

    @Override
    public Flash.Words words() {
        return words;
    }
}
