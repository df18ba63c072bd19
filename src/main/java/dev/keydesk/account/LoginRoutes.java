package dev.keydesk.account;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.user.EmailAddress;
import dev.keydesk.user.PasswordCheck;
import dev.keydesk.web.Layout;
import dev.keydesk.session.WebSession;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Log in, log out, and the page behind the "reset it" links. */
public final class LoginRoutes {
    private static final String WRONG_CREDENTIALS = "That e-mail address and password do not match an account.";
    private final PasswordCheck passwords;
    private final WebSession webSession;
    private final BooleanSupplier passwordLoginEnabled;
    /** The single sign-on button's words; null when no provider is configured (no button). */
    private final String ssoLabel;

    public LoginRoutes(PasswordCheck passwords, WebSession webSession) {
        this(passwords, webSession, () -> true, null);
    }

    public LoginRoutes(PasswordCheck passwords, WebSession webSession, BooleanSupplier passwordLoginEnabled, String ssoLabel) {
        this.passwords = passwords;
        this.webSession = webSession;
        this.passwordLoginEnabled = passwordLoginEnabled;
        this.ssoLabel = ssoLabel;
    }

    public void register(RoutesConfig routes) {
        routes.get("/login", this::showLogin, RouteAccess.ANONYMOUS);
        routes.post("/login", this::logIn, RouteAccess.ANONYMOUS);
        routes.post("/logout", this::logOut, RouteAccess.ANONYMOUS);
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
