package dev.keydesk.sso;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.organization.PasswordLogin;
import dev.keydesk.session.WebSession;
import dev.keydesk.web.Layout;
import dev.keydesk.web.WebError;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.Map;

/** The owners' page that turns password sign-in off (people then sign in through the provider) or on. */
public final class SignInSettingsRoutes {
    private final PasswordLogin passwordLogin;
    /** Without a provider the page only says so: password sign-in cannot be turned off then. */
    private final boolean provider;

    public SignInSettingsRoutes(PasswordLogin passwordLogin, boolean provider) {
        this.passwordLogin = passwordLogin;
        this.provider = provider;
    }

    public record Page(Layout layout, boolean passwordLogin, boolean provider) {}

    public void register(RoutesConfig routes) {
        routes.get("/sign-in-settings", this::show, RouteAccess.OWNER);
        routes.post("/sign-in-settings", this::change, RouteAccess.OWNER);
    }

    private void show(Context ctx) {
        ctx.render("sign_in_settings.jte", Map.of("page", new Page(Layout.of(ctx, "Sign-in settings"),
                passwordLogin.enabled(), provider)));
    }

    private void change(Context ctx) {
        if (!provider) {
            throw new WebError(409, "No sign-in provider is configured, so password sign-in stays on.");
        }
        String raw = ctx.formParam("password_login");
        boolean enabled;
        if ("on".equals(raw)) {
            enabled = true;
        } else if ("off".equals(raw)) {
            enabled = false;
        } else {
            throw new WebError(400, "Choose whether password sign-in is on or off.");
        }
        passwordLogin.set(WebSession.actor(ctx), enabled);
        (enabled ? SsoNotices.PASSWORD_LOGIN_ON : SsoNotices.PASSWORD_LOGIN_OFF).set(ctx);
        ctx.redirect("/sign-in-settings", HttpStatus.SEE_OTHER);
    }
}
