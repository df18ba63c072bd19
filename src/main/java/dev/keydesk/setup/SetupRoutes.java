package dev.keydesk.setup;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.web.Layout;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.user.User;
import dev.keydesk.web.WebError;
import dev.keydesk.session.WebSession;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.Map;

/** The first-run page, reachable only through the one-time link the server printed. */
public final class SetupRoutes {
    private final OrganizationActions organizations;
    private final WebSession webSession;

    public SetupRoutes(OrganizationActions organizations, WebSession webSession) {
        this.organizations = organizations;
        this.webSession = webSession;
    }

    public void register(RoutesConfig routes) {
        routes.get("/setup/{token}", this::show, RouteAccess.ANONYMOUS);
        routes.post("/setup/{token}", this::create, RouteAccess.ANONYMOUS);
    }

    private void show(Context ctx) {
        String token = ctx.pathParam("token");
        if (!organizations.isValidSetupToken(token)) throw invalidLink();
        render(ctx, 200, new SetupForm(token, "", "", ""), null);
    }

    private void create(Context ctx) {
        String token = ctx.pathParam("token");
        if (!organizations.isValidSetupToken(token)) throw invalidLink();
        SetupForm form = new SetupForm(token, value(ctx, "org_name"), value(ctx, "email"), value(ctx, "full_name"));
        String password = ctx.formParam("password") == null ? "" : ctx.formParam("password");
        if (!password.equals(ctx.formParam("password_confirm"))) {
            render(ctx, 400, form, "The two passwords do not match.");
            return;
        }
        try {
            User owner = organizations.createWithSetupToken(token, form.orgName(), form.email(), form.fullName(),
                    password, ctx.ip());
            webSession.signIn(ctx, owner.id());
            SetupNotices.WELCOME.set(ctx);
            ctx.redirect("/account", HttpStatus.SEE_OTHER);
        } catch (InvalidInputException e) {
            render(ctx, 400, form, e.getMessage());
        }
    }

    private record SetupForm(String token, String orgName, String email, String fullName) {}

    private static void render(Context ctx, int status, SetupForm form, String error) {
        SetupPage page = new SetupPage(Layout.of(ctx, "Set up Keydesk"), form.token(), form.orgName(),
                form.email(), form.fullName(), error);
        ctx.status(status).render("setup.jte", Map.of("page", page));
    }

    private static String value(Context ctx, String name) {
        String v = ctx.formParam(name);
        return v == null ? "" : v.trim();
    }

    private static WebError invalidLink() {
        return new WebError(404, "This setup link is not valid, or Keydesk has already been set up. Log in instead.");
    }
}
