package dev.keydesk.factor;

import dev.keydesk.web.Layout;
import java.util.List;

/**
 * Sign-in security: the passkeys, the authenticator app (being set up: its QR code, secret and address; or in
 * force), recovery codes just made (shown once), and for owners the organization's policy.
 */
public record SignInSecurityPage(
        Layout layout,
        SecondFactorActions.Status status,
        Setup setup,
        List<String> newCodes,
        String error,
        boolean required,
        boolean owner,
        SecondFactorPolicy policy,
        List<PasskeyView> passkeys) {

    /** A passkey as listed: its name, when it was added and last used. */
    public record PasskeyView(long id, String name, String created, String lastUsed) {}

    /** The question before a passkey is removed; {@code askPassword} when it is the account's last second factor. */
    public record RemovePasskey(dev.keydesk.web.Layout layout, PasskeyView passkey, boolean askPassword, String error) {}

    /** A started setup: what the app needs, as a QR code and as text. */
    public record Setup(String qrSvg, String secret, String uri) {}

    public List<SecondFactorPolicy> policies() {
        return List.of(SecondFactorPolicy.values());
    }
}
