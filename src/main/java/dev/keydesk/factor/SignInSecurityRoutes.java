package dev.keydesk.factor;

import dev.keydesk.access.RouteAccess;
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
    /**
     * The pages a person whom the policy covers may still open before a second factor is in
     * force: the ones that set it up (logging out is open to anyone anyway).
     */
    public static final Set<String> SETUP_PATHS = Set.of(PAGE, START, CONFIRM);

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
                newCodes, error, policy.covers(user) && !state.authenticator(), owner, policy)));
    }
}
