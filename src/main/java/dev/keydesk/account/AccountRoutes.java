package dev.keydesk.account;

import dev.keydesk.db.PageRead;
import dev.keydesk.access.RouteAccess;
import dev.keydesk.apikey.ApiKeyQueries;
import dev.keydesk.usage.UsageQueries;
import dev.keydesk.usage.UsageReport;
import java.time.Clock;
import dev.keydesk.web.Dates;
import dev.keydesk.web.Layout;
import dev.keydesk.account.AccountPage.DeviceView;
import dev.keydesk.account.AccountPage.KeyPanel;
import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.apikey.Zuliprc;
import dev.keydesk.audit.Actor;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.factor.SecondFactorActions;
import dev.keydesk.account.Reauthentication;
import dev.keydesk.session.Session;
import dev.keydesk.user.PasswordCheck;
import dev.keydesk.user.User;
import dev.keydesk.account.AccountActions;
import dev.keydesk.web.Flash;
import dev.keydesk.session.WebSession;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import dev.keydesk.api.PathIds;
import dev.keydesk.web.WebError;
import org.jdbi.v3.core.Jdbi;

/**
 * Account & privacy: the profile, the password, the devices, and the API key flow
 * ("Manage your API key" → password → "Get API key" → copy, regenerate, download zuliprc).
 * Every step is a plain form, so it works without JavaScript.
 */
public final class AccountRoutes {
    /** Where "Get API key" and "Generate new API key" lead once done: the key, shown by a GET. */
    static final String SHOWN = "/account/api-key/shown";

    private final ApiKeyActions keys;
    private final ApiKeyQueries keyQueries;
    private final AccountActions users;
    private final Reauthentication reauthentication;
    private final PasswordCheck passwords;
    private final NextSteps nextSteps;
    private final SecondFactorActions factors;
    private final String site;
    private final UsageQueries usage;
    private final Clock clock;
    private final Jdbi jdbi;

    public AccountRoutes(Jdbi jdbi, ApiKeyActions keys, ApiKeyQueries keyQueries, AccountActions users,
                         Reauthentication reauthentication, PasswordCheck passwords, NextSteps nextSteps,
                         SecondFactorActions factors, String site, UsageQueries usage, Clock clock) {
        this.jdbi = jdbi;
        this.keys = keys;
        this.keyQueries = keyQueries;
        this.users = users;
        this.reauthentication = reauthentication;
        this.passwords = passwords;
        this.nextSteps = nextSteps;
        this.factors = factors;
        this.site = site;
        this.usage = usage;
        this.clock = clock;
    }

    public void register(RoutesConfig routes) {
        routes.get("/account", ctx -> render(ctx, 200, view(ctx, KeyPanel.CLOSED)), RouteAccess.SIGNED_IN);
        routes.get("/account/api-key", ctx -> render(ctx, 200, view(ctx, KeyPanel.ASK_PASSWORD)), RouteAccess.SIGNED_IN);
        routes.post("/account/api-key", this::getApiKey, RouteAccess.SIGNED_IN);
        routes.get(SHOWN, this::showApiKey, RouteAccess.SIGNED_IN);
        routes.post("/account/api-key/regenerate", this::regenerateApiKey, RouteAccess.SIGNED_IN);
        routes.post("/account/zuliprc", this::downloadZuliprc, RouteAccess.SIGNED_IN);
        routes.post("/account/password", this::changePassword, RouteAccess.SIGNED_IN);
        routes.post("/account/devices/{device_id}/logout", this::logOutDevice, RouteAccess.SIGNED_IN);
        routes.post("/account/weekly-digest", this::setWeeklyDigest, RouteAccess.OWNER);
    }

    private void getApiKey(Context ctx) {
        User user = WebSession.caller(ctx);
        Session session = WebSession.requireSession(ctx);
        Reauthentication.Result outcome = reauthentication.confirm(session, user, proof(ctx, user), ctx.ip());
        if (outcome instanceof Reauthentication.RateLimited limited) {
            ctx.header("Retry-After", Long.toString(limited.retryAfter().toSeconds()));
            render(ctx, 429, view(ctx, KeyPanel.ASK_PASSWORD).withKeyError(limited.message()));
            return;
        }
        if (outcome instanceof Reauthentication.Refused refused) {
            render(ctx, 400, view(ctx, KeyPanel.ASK_PASSWORD).withKeyError(refused.message()));
            return;
        }
        // Post, redirect, get: the address bar then holds a page that reloading shows again, not a form to resubmit.
        ctx.redirect(SHOWN, HttpStatus.SEE_OTHER);
    }

    /**
     * The key, for as long as the password entered last is recent enough; after that (or without
     * one) the password prompt. The key is read when shown, never kept for the redirect.
     */
    private void showApiKey(Context ctx) {
        User user = WebSession.caller(ctx);
        Flash.Taken notice = Flash.takeWithSubject(ctx);
        boolean regenerated = notice != null && notice.flash() == AccountNotices.API_KEY_REGENERATED;
        String banner = notice == null || regenerated ? null : notice.message(null);
        if (!recentlyReauthenticated(ctx)) {
            render(ctx, 200, view(ctx, KeyPanel.ASK_PASSWORD, banner));
            return;
        }
        String key = keys.revealKey(WebSession.actor(ctx), user.id(), "account page");
        render(ctx, 200, view(ctx, KeyPanel.SHOW_KEY, banner).withKey(key, regenerated ? notice.message(null) : null));
    }

    private void regenerateApiKey(Context ctx) {
        User user = WebSession.caller(ctx);
        if (!recentlyReauthenticated(ctx)) {
            render(ctx, 403, view(ctx, KeyPanel.ASK_PASSWORD).withKeyError(
                    "For your security, " + proveAgain(user) + " before generating a new key."));
            return;
        }
        if (!"yes".equals(ctx.formParam("confirmed"))) {
            render(ctx, 200, view(ctx, KeyPanel.CONFIRM_REGENERATE));
            return;
        }
        keys.regenerateKey(WebSession.actor(ctx), user.id());
        AccountNotices.API_KEY_REGENERATED.set(ctx);
        ctx.redirect(SHOWN, HttpStatus.SEE_OTHER);
    }

    private void downloadZuliprc(Context ctx) {
        User user = WebSession.caller(ctx);
        if (!recentlyReauthenticated(ctx)) {
            render(ctx, 403, view(ctx, KeyPanel.ASK_PASSWORD).withKeyError(
                    "For your security, " + proveAgain(user) + " before downloading your zuliprc file."));
            return;
        }
        String key = keys.revealKey(WebSession.actor(ctx), user.id(), "zuliprc download");
        Zuliprc.send(ctx, Zuliprc.render(user.email(), key, site, null));
    }

    /**
     * Logs one device out after the password is entered again (as for revealing the key; within
     * five minutes of the last entry it is not asked again). Without {@code confirmed=yes} it asks.
     */
    private void logOutDevice(Context ctx) {
        User user = WebSession.caller(ctx);
        Session session = WebSession.requireSession(ctx);
        long deviceId = PathIds.parse(ctx.pathParam("device_id"), "No such device");
        DeviceView device = view(ctx, KeyPanel.CLOSED).devices().stream().filter(d -> d.id() == deviceId).findFirst()
                .orElseThrow(() -> new WebError(404, "There is no such device: it may have been logged out already."));
        boolean confirmed = "yes".equals(ctx.formParam("confirmed"));
        boolean passwordNeeded = !recentlyReauthenticated(ctx);
        boolean askCode = passwordNeeded && reauthentication.required(user) == Proof.Kind.AUTHENTICATOR_CODE;
        if (passwordNeeded && reauthentication.required(user) == Proof.Kind.PROVIDER) {
            // No field can carry a sign-in at the provider: it happens there, and the person comes back to the list.
            StepUpRoutes.redirect(ctx, "/account#devices");
            return;
        }
        if (confirmed && passwordNeeded && (ctx.formParam("password") != null || ctx.formParam("code") != null)) {
            Reauthentication.Result outcome = reauthentication.confirm(session, user, proof(ctx, user), ctx.ip());
            if (outcome instanceof Reauthentication.RateLimited limited) {
                ctx.header("Retry-After", Long.toString(limited.retryAfter().toSeconds()));
                renderDeviceLogout(ctx, 429, device, true, limited.message(), askCode);
                return;
            }
            if (outcome instanceof Reauthentication.Refused refused) {
                renderDeviceLogout(ctx, 400, device, true, refused.message(), askCode);
                return;
            }
            passwordNeeded = false;
        }
        if (!confirmed || passwordNeeded) {
            renderDeviceLogout(ctx, 200, device, passwordNeeded, null, askCode);
            return;
        }
        keys.logOutDevice(WebSession.actor(ctx), user.id(), deviceId);
        AccountNotices.DEVICE_LOGGED_OUT.set(ctx);
        ctx.redirect("/account#devices", HttpStatus.SEE_OTHER);
    }

    private static void renderDeviceLogout(Context ctx, int status, DeviceView device, boolean askPassword, String error,
                                           boolean askCode) {
        ctx.status(status).render("device_logout.jte", Map.of("page",
                new AccountPage.DeviceLogoutPage(Layout.of(ctx, "Log out a device"), device, askPassword, error, askCode)));
    }

    /** The proof the form carries, of the one kind this account gives. */
    private Proof proof(Context ctx, User user) {
        return Proof.fromForm(reauthentication.required(user), ctx.formParam("password"), ctx.formParam("code"),
                ctx.formParam("passkey"));
    }

    private String proveAgain(User user) {
        return switch (reauthentication.required(user)) {
            case AUTHENTICATOR_CODE -> "enter a code from your authenticator app";
            case PROVIDER -> "sign in again at your organization's sign-in provider";
            case PASSWORD, PASSKEY -> "enter your password again";
        };
    }

    private void changePassword(Context ctx) {
        User user = WebSession.caller(ctx);
        Session session = WebSession.requireSession(ctx);
        String current = orEmpty(ctx.formParam("current_password"));
        String fresh = orEmpty(ctx.formParam("new_password"));
        if (!fresh.equals(ctx.formParam("new_password_confirm"))) {
            render(ctx, 400, view(ctx, KeyPanel.CLOSED).withPasswordError("The two new passwords do not match."));
            return;
        }
        PasswordCheck.Outcome<Void> outcome = passwords.check(user.email(), current, ctx.ip());
        if (outcome instanceof PasswordCheck.RateLimited<Void>) {
            render(ctx, 429, view(ctx, KeyPanel.CLOSED).withPasswordError("Too many wrong passwords. Try again later."));
            return;
        }
        if (!(outcome instanceof PasswordCheck.Verified<Void>)) {
            render(ctx, 400, view(ctx, KeyPanel.CLOSED).withPasswordError("Your current password is not right."));
            return;
        }
        int devices;
        try {
            devices = users.changePassword(WebSession.actor(ctx), user.id(), session.id(), fresh);
        } catch (InvalidInputException e) {
            render(ctx, 400, view(ctx, KeyPanel.CLOSED).withPasswordError(e.getMessage()));
            return;
        }
        AccountNotices.PASSWORD_CHANGED.setDevicesLoggedOut(ctx, devices);
        ctx.redirect("/account", HttpStatus.SEE_OTHER);
    }

    /** The owners' weekly key digest on or off: the checkbox sends "yes" when ticked and nothing when not. */
    private void setWeeklyDigest(Context ctx) {
        String value = ctx.formParam("weekly_digest");
        if (value != null && !value.equals("yes")) {
            throw new WebError(400, "The weekly digest is either on (weekly_digest=yes) or off (no weekly_digest).");
        }
        boolean enabled = value != null;
        users.setWeeklyDigest(WebSession.actor(ctx), WebSession.caller(ctx).id(), enabled);
        (enabled ? AccountNotices.WEEKLY_DIGEST_ON : AccountNotices.WEEKLY_DIGEST_OFF).set(ctx);
        ctx.redirect("/account#weekly-digest", HttpStatus.SEE_OTHER);
    }

    private boolean recentlyReauthenticated(Context ctx) {
        return reauthentication.isRecent(WebSession.requireSession(ctx));
    }

    private AccountPage view(Context ctx, KeyPanel panel) {
        return view(ctx, panel, Flash.take(ctx));
    }

    /** The page as read in one read-only transaction (a key shown on it was revealed, and audited, before). */
    private AccountPage view(Context ctx, KeyPanel panel, String banner) {
        return PageRead.of(jdbi, () -> read(ctx, panel, banner));
    }

    private AccountPage read(Context ctx, KeyPanel panel, String banner) {
        User user = WebSession.caller(ctx);
        var deviceKeys = keyQueries.devices(user.id());
        // Every device's use in one statement, and none when there is no device.
        Map<Long, UsageReport> use = deviceKeys.isEmpty() ? Map.of()
                : usage.reports(user.id(), UsageQueries.KeyGroup.DEVICES, clock.instant());
        List<DeviceView> devices = deviceKeys.stream()
                .map(k -> new DeviceView(k.device().id(), k.device().client(), k.device().userAgent(), k.device().ip(),
                        Dates.minute(k.device().issuedAt(), ""), Dates.minute(k.device().lastUsedAt(), "Never"),
                        k.addresses().stream().map(u -> u.ip() + " (" + Dates.minute(u.at(), "") + ")")
                                .collect(Collectors.joining(", ")), use.getOrDefault(k.device().id(), UsageReport.EMPTY)))
                .toList();
        return new AccountPage(Layout.withNotice(ctx, "Account & privacy", banner), user, devices,
                nextSteps.of(user.id(), !user.isGuest(), user.isAdmin() && !user.isBot()), panel, null, null, null, null,
                reauthentication.required(user), factors.status(user.id()), user.isOwner() && users.weeklyDigest(user.id()));
    }

    private static void render(Context ctx, int status, AccountPage page) {
        if (page.apiKey() != null) ctx.header("Cache-Control", "no-store");
        ctx.status(status).render("account.jte", Map.of("page", page));
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
