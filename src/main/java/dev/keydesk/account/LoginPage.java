package dev.keydesk.account;

import dev.keydesk.web.Layout;

public record LoginPage(Layout layout, String email, String next, String error) {
    /** The second step of signing in, for an account with an authenticator app. */
    public record CodeStep(Layout layout, String error) {}
}
