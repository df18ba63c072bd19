package dev.keydesk.account;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.audit.Actor;
import dev.keydesk.factor.PasskeyActions;
import dev.keydesk.factor.PendingSignIns;
import dev.keydesk.factor.SecondFactorActions;
import dev.keydesk.user.EmailAddress;
import dev.keydesk.user.PasswordCheck;
import dev.keydesk.web.Layout;
import dev.keydesk.session.WebSession;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Log in, log out, and the page behind the "reset it" links. An account with an authenticator app
 * signs in in two steps: the password, then a code; no session exists until the code is right
 * (between the two, only a {@link PendingSignIns} cookie scoped to the login pages).
 */
public final class LoginRoutes {
    public static final String CODE_STEP = "/login/code";
    static final String PASSKEY_SIGN_IN = "/login/passkey";
    static final String PASSKEY_STEP = CODE_STEP + "/passkey";
    private static final String WRONG_CREDENTIALS = "That e-mail address and password do not match an account.";
    private final PasswordCheck passwords;
    private final WebSession webSession;
    private final SecondFactorActions factors;
    private final PendingSignIns pending;
    private final BooleanSupplier passwordLoginEnabled;
    /** The single sign-on button's words; null when no provider is configured (no button). */
    private final String ssoLabel;

    public LoginRoutes(PasswordCheck passwords, WebSession webSession, SecondFactorActions factors, PendingSignIns pending,
                       BooleanSupplier passwordLoginEnabled, String ssoLabel) {
        this.passwords = passwords;
        this.webSession = webSession;
        this.factors = factors;
        this.pending = pending;
        this.passwordLoginEnabled = passwordLoginEnabled;
        this.ssoLabel = ssoLabel;
    }

    public void register(RoutesConfig routes) {
        routes.get("/login", this::showLogin, RouteAccess.ANONYMOUS);
        routes.post("/login", this::logIn, RouteAccess.ANONYMOUS);
        routes.post("/logout", this::logOut, RouteAccess.ANONYMOUS);
        routes.get(CODE_STEP, this::showCodeStep, RouteAccess.ANONYMOUS);
        routes.post(CODE_STEP, this::enterCode, RouteAccess.ANONYMOUS);
        routes.post(PASSKEY_SIGN_IN + "/options", ctx -> options(ctx, factors.passkeys()
                .assertionOptions(PasskeyActions.Ceremony.SIGN_IN, null)), RouteAccess.ANONYMOUS);
        routes.post(PASSKEY_SIGN_IN, this::signInWithPasskey, RouteAccess.ANONYMOUS);
        routes.post(PASSKEY_STEP + "/options", this::passkeyStepOptions, RouteAccess.ANONYMOUS);
        routes.post(PASSKEY_STEP, this::passkeyStep, RouteAccess.ANONYMOUS);
    }

    private static void options(Context ctx, Map<String, Object> options) {
        ctx.header("Cache-Control", "no-store");
        ctx.json(options);
    }

    /** The challenge for the second step, only while a password was just entered (for that account's passkeys). */
    private void passkeyStepOptions(Context ctx) {
        var waiting = pending.resolve(ctx);
        if (waiting.isEmpty()) {
            ctx.status(400).json(Map.of("message", "That sign-in took too long or was already finished. Start again."));
            return;
        }
        options(ctx, factors.passkeys().assertionOptions(PasskeyActions.Ceremony.SECOND_FACTOR, waiting.get().user().id()));
    }

    /** A passkey alone: the browser offers the passkeys it holds for this site, and the one chosen names the account. */
    private void signInWithPasskey(Context ctx) {
        String next = ctx.formParam("next");
        String credential = ctx.formParam("credential");
        if (credential == null || credential.isBlank()) {
            render(ctx, 400, "", next, PASSKEY_NEEDS_SCRIPT);
            return;
        }
        var outcome = factors.passkeys().verify(PasskeyActions.Ceremony.SIGN_IN, null, credential, ctx.ip());
        if (outcome instanceof PasskeyActions.Verified verified) {
            webSession.signIn(ctx, verified.userId());
            ctx.redirect(safeNext(next), HttpStatus.SEE_OTHER);
        } else if (outcome instanceof PasskeyActions.Cloned cloned) {
            render(ctx, 403, "", next, cloned(cloned));
        } else {
            render(ctx, refusedStatus(outcome), "", next, refused(outcome));
        }
    }

    /** The second step with a passkey instead of a code. */
    private void passkeyStep(Context ctx) {
        var waiting = pending.resolve(ctx);
        if (waiting.isEmpty()) {
            render(ctx, 400, "", null, "That sign-in took too long or was already finished. Enter your e-mail address and password again.");
            return;
        }
        var user = waiting.get().user();
        String credential = ctx.formParam("credential");
        if (credential == null || credential.isBlank()) {
            renderCodeStep(ctx, 400, user.id(), PASSKEY_NEEDS_SCRIPT);
            return;
        }
        var outcome = factors.passkeys().verify(PasskeyActions.Ceremony.SECOND_FACTOR, user.id(), credential, ctx.ip());
        if (outcome instanceof PasskeyActions.Verified) {
            pending.finish(ctx, waiting.get());
            webSession.signIn(ctx, user.id());
            ctx.redirect(waiting.get().next(), HttpStatus.SEE_OTHER);
        } else if (outcome instanceof PasskeyActions.Cloned cloned) {
            renderCodeStep(ctx, 403, user.id(), cloned(cloned));
        } else {
            renderCodeStep(ctx, refusedStatus(outcome), user.id(), refused(outcome));
        }
    }

    private static final String PASSKEY_NEEDS_SCRIPT = "Signing in with a passkey needs JavaScript, which is off or blocked in this browser.";

    private static String cloned(PasskeyActions.Cloned cloned) {
        return "The passkey “" + cloned.name() + "” was refused: its signature counter did not go up, which is what a copied"
                + " authenticator looks like. Sign in another way, remove this passkey under Sign-in security, and tell"
                + " an administrator.";
    }

    private static int refusedStatus(PasskeyActions.Outcome outcome) {
        return outcome instanceof PasskeyActions.Refused r && (r.reason().equals("bad_challenge") || r.reason().equals("malformed"))
                ? 400 : 401;
    }

    private static String refused(PasskeyActions.Outcome outcome) {
        return outcome instanceof PasskeyActions.Refused r && r.reason().equals("bad_challenge")
                ? "That passkey request expired or was already used. Try again."
                : "That passkey could not sign you in. Try again, or use another way to sign in.";
    }

    private void showLogin(Context ctx) {
        if (WebSession.user(ctx).isPresent()) {
            ctx.redirect(safeNext(ctx.queryParam("next")), HttpStatus.SEE_OTHER);
            return;
        }
        render(ctx, 200, "", ctx.queryParam("next"), null);
    }

    private void logIn(Context ctx) {
        String email = ctx.formParam("email") == null ? "" : ctx.formParam("email").trim();
        String password = ctx.formParam("password") == null ? "" : ctx.formParam("password");
        String next = ctx.formParam("next");
        if (email.isEmpty() || password.isEmpty()) {
            render(ctx, 400, email, next, "Enter your e-mail address and your password.");
            return;
        }
        if (!EmailAddress.isValid(email)) {
            // No account can have this address, so there is nothing to check or to rate-limit.
            render(ctx, 401, email, next, WRONG_CREDENTIALS);
            return;
        }
        PasswordCheck.Outcome<Void> outcome = passwords.check(email, password, ctx.ip());
        if (outcome instanceof PasswordCheck.Verified<Void> verified && !verified.user().isOwner()
                && !passwordLoginEnabled.getAsBoolean()) {
            // Owners keep their password so that a failing provider cannot lock the organization out.
            render(ctx, 403, email, next, "Password sign-in is turned off in this organization. Use the button below"
                    + " to log in through your organization's sign-in provider.");
        } else if (outcome instanceof PasswordCheck.Verified<Void> verified) {
            if (factors.hasSecondFactor(verified.user().id())) {
                pending.start(ctx, verified.user().id(), safeNext(next));
                ctx.redirect(CODE_STEP, HttpStatus.SEE_OTHER);
                return;
            }
            webSession.signIn(ctx, verified.user().id());
            ctx.redirect(safeNext(next), HttpStatus.SEE_OTHER);
        } else if (outcome instanceof PasswordCheck.RateLimited<Void> limited) {
            ctx.header("Retry-After", Long.toString(limited.retryAfter().toSeconds()));
            render(ctx, 429, email, next, "Too many login attempts. Try again in "
                    + Math.max(1, limited.retryAfter().toMinutes()) + " minutes.");
        } else if (outcome instanceof PasswordCheck.Deactivated<Void>) {
            render(ctx, 401, email, next, "This account has been deactivated. Ask an administrator for help.");
        } else {
            render(ctx, 401, email, next, WRONG_CREDENTIALS);
        }
    }

    private void showCodeStep(Context ctx) {
        var waiting = pending.resolve(ctx);
        if (waiting.isEmpty()) {
            ctx.redirect("/login", HttpStatus.SEE_OTHER);
            return;
        }
        renderCodeStep(ctx, 200, waiting.get().user().id(), null);
    }

    /** The second step: a code from the authenticator app, or a recovery code; only then a session. */
    private void enterCode(Context ctx) {
        var waiting = pending.resolve(ctx);
        if (waiting.isEmpty()) {
            render(ctx, 400, "", null, "That sign-in took too long or was already finished. Enter your e-mail address and password again.");
            return;
        }
        String code = ctx.formParam("code") == null ? "" : ctx.formParam("code").strip();
        if (code.isEmpty()) {
            renderCodeStep(ctx, 400, waiting.get().user().id(), "Enter the code your authenticator app shows, or one of your recovery codes.");
            return;
        }
        var user = waiting.get().user();
        var check = factors.check(Actor.user(user.id(), ctx.ip()), user, code, ctx.ip(),
                SecondFactorActions.Purpose.SIGN_IN, true);
        if (check instanceof SecondFactorActions.RateLimited limited) {
            ctx.header("Retry-After", Long.toString(limited.retryAfter().toSeconds()));
            renderCodeStep(ctx, 429, user.id(), "Too many wrong codes. Try again in " + Math.max(1, limited.retryAfter().toMinutes()) + " minutes.");
        } else if (check instanceof SecondFactorActions.Refused refused) {
            renderCodeStep(ctx, 401, user.id(), refused.replayed()
                    ? "That code was already used. Wait for your app to show the next one."
                    : "That code is not right. Try again with the code your app shows now.");
        } else {
            pending.finish(ctx, waiting.get());
            webSession.signIn(ctx, user.id());
            ctx.redirect(waiting.get().next(), HttpStatus.SEE_OTHER);
        }
    }

    private void renderCodeStep(Context ctx, int status, long userId, String error) {
        ctx.status(status).render("login_code.jte", Map.of("page", new LoginPage.CodeStep(Layout.of(ctx, "Enter your code"), error,
                factors.hasAuthenticator(userId), factors.passkeys().hasPasskey(userId))));
    }

    private void logOut(Context ctx) {
        webSession.signOut(ctx);
        AccountNotices.LOGGED_OUT.set(ctx);
        ctx.redirect("/login", HttpStatus.SEE_OTHER);
    }

    private void render(Context ctx, int status, String email, String next, String error) {
        Layout layout = Layout.of(ctx, "Log in");
        String safe = safeNext(next);
        String ssoHref = ssoLabel == null ? null : "/login/oidc?next=" + java.net.URLEncoder.encode(safe, java.nio.charset.StandardCharsets.UTF_8);
        ctx.status(status).render("login.jte", Map.of("page", new LoginPage(layout, email, safe, error, ssoLabel, ssoHref)));
    }

    /** Only local paths, so the login form cannot be used to send people to another site. */
    public static String safeNext(String next) {
        if (next == null || !next.startsWith("/") || next.startsWith("//") || next.contains("\\")
                || next.chars().anyMatch(Character::isISOControl)) {
            return "/account";
        }
        return next;
    }
}
