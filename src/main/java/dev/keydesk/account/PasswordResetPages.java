package dev.keydesk.account;

import dev.keydesk.web.Layout;

public final class PasswordResetPages {
    private PasswordResetPages() {}

    /** The request form; {@code sentTo} is set once a request was taken. */
    public record RequestPage(Layout layout, String email, String sentTo, String error) {}

    public record NewPasswordPage(Layout layout, String token, String error) {}
}
