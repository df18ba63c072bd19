package dev.keydesk.account;

import dev.keydesk.web.Layout;

/** {@code ssoLabel}, {@code ssoHref}: the single sign-on button, or null without a provider. */
public record LoginPage(Layout layout, String email, String next, String error, String ssoLabel, String ssoHref) {
    /** The second step of signing in: a code from the authenticator app, or a passkey, as the account has them. */
    public record CodeStep(Layout layout, String error, boolean authenticator, boolean passkey) {}
}
