package dev.keydesk.factor;

import dev.keydesk.web.Layout;
import java.util.List;

/**
 * Sign-in security: the authenticator app (being set up: its QR code, secret and address; or in
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
        SecondFactorPolicy policy) {

    /** A started setup: what the app needs, as a QR code and as text. */
    public record Setup(String qrSvg, String secret, String uri) {}

    public List<SecondFactorPolicy> policies() {
        return List.of(SecondFactorPolicy.values());
    }
}
