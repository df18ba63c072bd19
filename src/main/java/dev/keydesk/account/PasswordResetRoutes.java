package dev.keydesk.account;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.web.Layout;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.web.WebError;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.Map;

/** The pages behind every "reset it" link. */
public final class PasswordResetRoutes {
    private final PasswordResetActions resets;

    public PasswordResetRoutes(PasswordResetActions resets) {
        this.resets = resets;
    }

    public void register(RoutesConfig routes) {
        routes.get("/accounts/password/reset", ctx -> renderRequest(ctx, 200, "", null, null), RouteAccess.ANONYMOUS);
        routes.post("/accounts/password/reset", this::request, RouteAccess.ANONYMOUS);
        routes.get("/accounts/password/reset/{token}", ctx -> {
            requireUsable(ctx);
            renderNewPassword(ctx, 200, null);
        }, RouteAccess.ANONYMOUS);
        routes.post("/accounts/password/reset/{token}", this::complete, RouteAccess.ANONYMOUS);
    }

    private void request(Context ctx) {
        String email = ctx.formParam("email") == null ? "" : ctx.formParam("email").strip();
        try {
            PasswordResetActions.Requested outcome = resets.request(email, ctx.ip());
            if (outcome instanceof PasswordResetActions.Limited limited) {
                ctx.header("Retry-After", Long.toString(limited.retryAfter().toSeconds()));
                renderRequest(ctx, 429, email, null, "Too many reset requests. Try again in "
                        + Math.max(1, limited.retryAfter().toMinutes()) + " minutes.");
                return;
            }
            renderRequest(ctx, 200, "", email, null);
        } catch (InvalidInputException e) {
            renderRequest(ctx, 400, email, null, e.getMessage());
        }
    }

    private void complete(Context ctx) {
        requireUsable(ctx);
        String password = ctx.formParam("new_password") == null ? "" : ctx.formParam("new_password");
        if (!password.equals(ctx.formParam("new_password_confirm"))) {
            renderNewPassword(ctx, 400, "The two passwords do not match.");
            return;
        }
        int devices;
        try {
            devices = resets.complete(ctx.pathParam("token"), password, "yes".equals(ctx.formParam("regenerate_key")), ctx.ip());
        } catch (InvalidInputException e) {
            renderNewPassword(ctx, 400, e.getMessage());
            return;
        }
        AccountNotices.PASSWORD_RESET.setDevicesLoggedOut(ctx, devices);
        ctx.redirect("/login", HttpStatus.SEE_OTHER);
    }

    private void requireUsable(Context ctx) {
        if (!resets.isUsable(ctx.pathParam("token"))) {
            throw new WebError(404, "This password reset link is not valid: it was used, or it expired. "
                    + "Ask for a new one from the login page.");
        }
    }

    private static void renderRequest(Context ctx, int status, String email, String sentTo, String error) {
        var page = new PasswordResetPages.RequestPage(Layout.of(ctx, "Reset your password"), email, sentTo, error);
        ctx.status(status).render("password_reset.jte", Map.of("page", page));
    }

    private static void renderNewPassword(Context ctx, int status, String error) {
        var page = new PasswordResetPages.NewPasswordPage(Layout.of(ctx, "Choose a new password"),
                ctx.pathParam("token"), error);
        ctx.status(status).render("password_reset_new.jte", Map.of("page", page));
    }
}
