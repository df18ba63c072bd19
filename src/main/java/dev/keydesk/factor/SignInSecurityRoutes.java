package dev.keydesk.factor;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.api.PathIds;
import dev.keydesk.web.Dates;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.session.WebSession;
import dev.keydesk.user.User;
import dev.keydesk.web.Flash;
import dev.keydesk.web.Layout;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Sign-in security page under Account &amp; privacy: set up an authenticator app (a QR code
 * and the same secret as text; a code from the app confirms it), remove it, make new recovery
 * codes, and the owners' second-factor policy. Plain forms, no script needed.
 */
public final class SignInSecurityRoutes {
    public static final String PAGE = "/account/sign-in-security";
    static final String START = PAGE + "/authenticator";
    static final String CONFIRM = START + "/confirm";
    static final String REMOVE = START + "/remove";
    static final String RECOVERY_CODES = PAGE + "/recovery-codes";
    static final String POLICY = "/account/sign-in-policy";
    static final String PASSKEYS = PAGE + "/passkeys";
    static final String PASSKEY_OPTIONS = PASSKEYS + "/options";
    static final String PASSKEY_REMOVE = PASSKEYS + "/{passkey_id}/remove";
    /** A fresh challenge for proving it is you with a passkey before a key is shown (Account &amp; privacy). */
    public static final String STEP_UP_OPTIONS = PASSKEYS + "/step-up-options";
    /**
     * The pages a person whom the policy covers may still open before a second factor is in
     * force: the ones that set it up (logging out is open to anyone anyway).
     */
    public static final Set<String> SETUP_PATHS = Set.of(PAGE, START, CONFIRM, PASSKEYS, PASSKEY_OPTIONS);

    private final SecondFactorActions factors;

    public SignInSecurityRoutes(SecondFactorActions factors) {
        this.factors = factors;
    }

    public void register(RoutesConfig routes) {
        routes.get(PAGE, ctx -> render(ctx, 200, List.of(), null), RouteAccess.SIGNED_IN);
        routes.post(START, this::start, RouteAccess.SIGNED_IN);
        routes.post(CONFIRM, this::confirm, RouteAccess.SIGNED_IN);
        routes.post(REMOVE, this::remove, RouteAccess.SIGNED_IN);
        routes.post(RECOVERY_CODES, this::regenerateCodes, RouteAccess.SIGNED_IN);
        routes.post(POLICY, this::setPolicy, RouteAccess.OWNER);
        routes.post(PASSKEY_OPTIONS, this::passkeyOptions, RouteAccess.SIGNED_IN);
        routes.post(PASSKEYS, this::addPasskey, RouteAccess.SIGNED_IN);
        routes.post(PASSKEY_REMOVE, this::removePasskey, RouteAccess.SIGNED_IN);
        routes.post(STEP_UP_OPTIONS, this::stepUpOptions, RouteAccess.SIGNED_IN);
    }

    /** The options for the browser's {@code navigator.credentials.create}, with a new challenge. */
    private void passkeyOptions(Context ctx) {
        Layout layout = Layout.of(ctx, "Sign-in security");
        ctx.header("Cache-Control", "no-store");
        ctx.json(factors.passkeys().registrationOptions(WebSession.caller(ctx), layout.organization()));
    }

    private void stepUpOptions(Context ctx) {
        ctx.header("Cache-Control", "no-store");
        ctx.json(factors.passkeys().assertionOptions(PasskeyActions.Ceremony.STEP_UP, WebSession.caller(ctx).id()));
    }

    /** The browser's answer (the {@code credential} field the page's script fills in) under the name given. */
    private void addPasskey(Context ctx) {
        User user = WebSession.caller(ctx);
        String credential = ctx.formParam("credential");
        if (credential == null || credential.isBlank()) {
            render(ctx, 400, List.of(), "Adding a passkey needs JavaScript, which is off or blocked in this browser.");
            return;
        }
        try {
            factors.passkeys().register(WebSession.actor(ctx), user, ctx.formParam("name"), credential);
        } catch (InvalidInputException e) {
            render(ctx, 400, List.of(), e.getMessage());
            return;
        }
        FactorNotices.PASSKEY_ADDED.set(ctx);
        ctx.redirect(PAGE + "#passkeys", HttpStatus.SEE_OTHER);
    }

    /**
     * Without {@code confirmed=yes}, asks first (and for the password when this is the account's
     * last second factor); with it, removes the passkey.
     */
    private void removePasskey(Context ctx) {
        User user = WebSession.caller(ctx);
        long id = PathIds.parse(ctx.pathParam("passkey_id"), "No such passkey");
        PasskeyActions passkeys = factors.passkeys();
        PasskeyActions.Passkey passkey = passkeys.find(user.id(), id);
        SignInSecurityPage.PasskeyView view = view(passkey);
        boolean last = passkeys.isLastFactor(user.id(), id);
        if (!"yes".equals(ctx.formParam("confirmed"))) {
            renderRemove(ctx, 200, view, last, null);
            return;
        }
        var check = passkeys.remove(WebSession.actor(ctx), user, id, ctx.formParam("password"), ctx.ip());
        if (check instanceof SecondFactorActions.RateLimited limited) {
            ctx.header("Retry-After", Long.toString(limited.retryAfter().toSeconds()));
            renderRemove(ctx, 429, view, true, "Too many wrong passwords. Try again in "
                    + Math.max(1, limited.retryAfter().toMinutes()) + " minutes.");
            return;
        }
        if (check instanceof SecondFactorActions.Refused) {
            String password = ctx.formParam("password");
            renderRemove(ctx, 400, view, true, password == null || password.isEmpty()
                    ? "This is your last second factor: enter your password to remove it."
                    : "That password is not right. Try again.");
            return;
        }
        FactorNotices.PASSKEY_REMOVED.set(ctx);
        ctx.redirect(PAGE + "#passkeys", HttpStatus.SEE_OTHER);
    }

    private static void renderRemove(Context ctx, int status, SignInSecurityPage.PasskeyView passkey, boolean askPassword,
                                     String error) {
        ctx.status(status).render("passkey_remove.jte", Map.of("page", new SignInSecurityPage.RemovePasskey(
                Layout.of(ctx, "Remove a passkey"), passkey, askPassword, error)));
    }

    private static SignInSecurityPage.PasskeyView view(PasskeyActions.Passkey passkey) {
        return new SignInSecurityPage.PasskeyView(passkey.id(), passkey.name(), Dates.minute(passkey.createdAt(), ""),
                Dates.minute(passkey.lastUsedAt(), "Never"));
    }

    private void start(Context ctx) {
        factors.startSetup(WebSession.caller(ctx).id());
        ctx.redirect(PAGE + "#authenticator", HttpStatus.SEE_OTHER);
    }

    private void confirm(Context ctx) {
        User user = WebSession.caller(ctx);
        String code = ctx.formParam("code");
        if (code == null || code.isBlank()) {
            render(ctx, 400, List.of(), "Enter the six-digit code your app shows.");
            return;
        }
        var result = factors.confirmSetup(WebSession.actor(ctx), user, code, ctx.ip());
        if (!refused(ctx, result.check())) render(ctx, 200, result.codes(), null);
    }

    private void remove(Context ctx) {
        User user = WebSession.caller(ctx);
        String password = ctx.formParam("password");
        String code = ctx.formParam("code");
        if ((password == null || password.isEmpty()) && (code == null || code.isBlank())) {
            render(ctx, 400, List.of(), "Enter your password or a code to remove the authenticator app.");
            return;
        }
        var check = factors.remove(WebSession.actor(ctx), user, password, code, ctx.ip());
        if (refused(ctx, check)) return;
        FactorNotices.AUTHENTICATOR_REMOVED.set(ctx);
        ctx.redirect(PAGE, HttpStatus.SEE_OTHER);
    }

    private void regenerateCodes(Context ctx) {
        User user = WebSession.caller(ctx);
        String code = ctx.formParam("code");
        if (code == null || code.isBlank()) {
            render(ctx, 400, List.of(), "Enter a code from your authenticator app to make new recovery codes.");
            return;
        }
        var result = factors.regenerateRecoveryCodes(WebSession.actor(ctx), user, code, ctx.ip());
        if (!refused(ctx, result.check())) render(ctx, 200, result.codes(), null);
    }

    private void setPolicy(Context ctx) {
        SecondFactorPolicy policy = SecondFactorPolicy.fromDb(ctx.formParam("policy"))
                .orElseThrow(() -> new InvalidInputException("Choose whom to require a second factor of."));
        factors.setPolicy(WebSession.actor(ctx), policy);
        FactorNotices.SECOND_FACTOR_POLICY_CHANGED.set(ctx);
        ctx.redirect(PAGE + "#policy", HttpStatus.SEE_OTHER);
    }

    /** Renders the refusal (and says so) unless the check was accepted. */
    private boolean refused(Context ctx, SecondFactorActions.Check check) {
        if (check instanceof SecondFactorActions.RateLimited limited) {
            ctx.header("Retry-After", Long.toString(limited.retryAfter().toSeconds()));
            render(ctx, 429, List.of(), "Too many wrong attempts. Try again in "
                    + Math.max(1, limited.retryAfter().toMinutes()) + " minutes.");
            return true;
        }
        if (check instanceof SecondFactorActions.Refused r) {
            render(ctx, 400, List.of(), r.replayed() ? "That code was already used. Wait for your app to show the next one."
                    : "That is not right. Try again with the code your app shows now.");
            return true;
        }
        return false;
    }

    private void render(Context ctx, int status, List<String> newCodes, String error) {
        User user = WebSession.caller(ctx);
        Layout layout = Layout.of(ctx, "Sign-in security");
        SecondFactorActions.Status state = factors.status(user.id());
        SignInSecurityPage.Setup setup = null;
        if (!state.authenticator()) {
            setup = factors.unconfirmedSecret(user.id()).map(secret -> {
                String issuer = layout.organization() == null || layout.organization().isBlank() ? "Keydesk" : layout.organization();
                String uri = Totp.uri(issuer, user.email(), secret);
                return new SignInSecurityPage.Setup(QrCode.svg(uri, "QR code for your authenticator app"),
                        Totp.grouped(Totp.base32(secret)), uri);
            }).orElse(null);
        }
        boolean owner = user.isOwner();
        SecondFactorPolicy policy = factors.policy();
        // The page carries a secret or recovery codes at times: never kept by a cache.
        ctx.header("Cache-Control", "no-store");
        ctx.status(status).render("sign_in_security.jte", Map.of("page", new SignInSecurityPage(layout, state, setup,
                newCodes, error, policy.covers(user) && !state.authenticator() && state.passkeys() == 0, owner, policy,
                factors.passkeys().list(user.id()).stream().map(SignInSecurityRoutes::view).toList())));
    }
}
