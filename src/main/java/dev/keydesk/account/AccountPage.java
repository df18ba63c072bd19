package dev.keydesk.account;

import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.factor.SecondFactorActions;
import dev.keydesk.user.User;
import dev.keydesk.web.Layout;
import java.util.List;

/** The Account & privacy page. {@code apiKey} is set only while the key panel shows the key. */
public record AccountPage(
        Layout layout,
        User user,
        List<DeviceView> devices,
        NextSteps.Suggestions nextSteps,
        KeyPanel keyPanel,
        String apiKey,
        String keyNotice,
        String keyError,
        String passwordError,
        Proof.Kind proofKind,
        SecondFactorActions.Status signInSecurity,
        boolean weeklyDigest) {

    /** What the API key section shows. */
    public enum KeyPanel { CLOSED, ASK_PASSWORD, SHOW_KEY, CONFIRM_REGENERATE }

    /** A device with its own key: issued when, last used when, and the addresses it was used from. */
    public record DeviceView(long id, String client, String userAgent, String ip, String issued, String lastUsed,
                             String recentAddresses, dev.keydesk.usage.UsageReport usage) {}

    /** The question before a device is logged out, with the password prompt unless it was just entered. */
    public record DeviceLogoutPage(Layout layout, DeviceView device, boolean askPassword, String error, boolean askCode) {}

    /** How many devices stay logged in at most; the page says so, since a login past it logs one out. */
    public int deviceLimit() {
        return ApiKeyActions.MAX_DEVICES_PER_ACCOUNT;
    }

    public AccountPage withKey(String key, String notice) {
        return new AccountPage(layout, user, devices, nextSteps, keyPanel, key, notice, keyError, passwordError, proofKind, signInSecurity, weeklyDigest);
    }

    public AccountPage withKeyError(String error) {
        return new AccountPage(layout, user, devices, nextSteps, keyPanel, apiKey, keyNotice, error, passwordError, proofKind, signInSecurity, weeklyDigest);
    }

    public AccountPage withPasswordError(String error) {
        return new AccountPage(layout, user, devices, nextSteps, keyPanel, apiKey, keyNotice, keyError, error, proofKind, signInSecurity, weeklyDigest);
    }

    /** Whether the prompt asks for a code from the authenticator app instead of the password. */
    public boolean askCode() {
        return proofKind == Proof.Kind.AUTHENTICATOR_CODE;
    }

    /** For an account without a password: where the fresh sign-in at the provider starts; else null. */
    public String providerHref() {
        return proofKind == Proof.Kind.PROVIDER
                ? StepUpRoutes.PROVIDER_PATH + "?return_to=" + java.net.URLEncoder.encode(AccountRoutes.SHOWN,
                java.nio.charset.StandardCharsets.UTF_8) : null;
    }

    public boolean askPassword() {
        return keyPanel == KeyPanel.ASK_PASSWORD;
    }

    public boolean showKey() {
        return keyPanel == KeyPanel.SHOW_KEY;
    }

    public boolean confirmRegenerate() {
        return keyPanel == KeyPanel.CONFIRM_REGENERATE;
    }
}
