package dev.keydesk.sso;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.security.Tokens;
import dev.keydesk.session.WebSession;
import dev.keydesk.user.User;
import dev.keydesk.web.Layout;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.HttpStatus;
import io.javalin.http.SameSite;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Signing in through the organization's OpenID Connect provider: {@code /login/oidc} sends the
 * browser to the provider, {@code /login/oidc/callback} takes it back. Registered only when a
 * provider is configured (otherwise both are 404). Every refusal ends on a page that says what
 * happened, with an audit row.
 */
public final class SsoRoutes {
    /** The state of the sign-in this browser started: the answer must carry the same, so no other browser's answer is taken. */
    static final String STATE_COOKIE = "keydesk_sso_state";
    private static final String CALLBACK = "/login/oidc/callback";
    private final OidcClient client;
    private final SsoActions actions;
    private final WebSession webSession;
    private final boolean secureCookies;
    private final UnaryOperator<String> safeNext;

    public SsoRoutes(OidcClient client, SsoActions actions, WebSession webSession, boolean secureCookies,
                     UnaryOperator<String> safeNext) {
        this.client = client;
        this.actions = actions;
        this.webSession = webSession;
        this.secureCookies = secureCookies;
        this.safeNext = safeNext;
    }

    public void register(RoutesConfig routes) {
        routes.get("/login/oidc", this::start, RouteAccess.ANONYMOUS);
        routes.get(CALLBACK, this::callback, RouteAccess.ANONYMOUS);
    }

    private void start(Context ctx) {
        String next = safeNext.apply(ctx.queryParam("next"));
        if (WebSession.user(ctx).isPresent()) {
            ctx.redirect(next, HttpStatus.SEE_OTHER);
            return;
        }
        OidcClient.Started started;
        try {
            started = client.start();
        } catch (SsoRefused refused) {
            actions.refuse(refused, ctx.ip(), null, null);
            // The password form stays: the login page says why the button did not work.
            SsoNotices.SSO_UNREACHABLE.set(ctx);
            ctx.redirect("/login?next=" + URLEncoder.encode(next, StandardCharsets.UTF_8), HttpStatus.SEE_OTHER);
            return;
        }
        actions.remember(started, next);
        ctx.cookie(new Cookie(STATE_COOKIE, started.state(), CALLBACK, 600, secureCookies, true, null, SameSite.LAX));
        ctx.redirect(started.authorizationUri().toString(), HttpStatus.SEE_OTHER);
    }

    private void callback(Context ctx) {
        String state = ctx.queryParam("state");
        String expected = ctx.cookie(STATE_COOKIE);
        ctx.removeCookie(STATE_COOKIE, CALLBACK);
        String next = "/account";
        boolean recordedByAction = false;
        try {
            if (state == null || expected == null || !Tokens.constantTimeEquals(state, expected)) {
                throw new SsoRefused(SsoRefusal.WRONG_STATE, state == null ? "no state"
                        : expected == null ? "no sign-in started in this browser" : "another sign-in's state");
            }
            SsoActions.Pending pending = actions.take(state)
                    .orElseThrow(() -> new SsoRefused(SsoRefusal.WRONG_STATE, "used already or expired"));
            next = pending.next();
            String error = ctx.queryParam("error");
            String code = ctx.queryParam("code");
            if (error != null || code == null || code.isBlank()) {
                throw new SsoRefused(SsoRefusal.PROVIDER_ERROR, error == null ? "no code" : error);
            }
            OidcClient.Identity identity = client.finish(code, ctx.queryParam("iss"), pending.nonce(), pending.codeVerifier());
            recordedByAction = true;
            User user = actions.signIn(identity, ctx.ip()); // records its own refusals
            webSession.signIn(ctx, user.id());
            ctx.redirect(next, HttpStatus.SEE_OTHER);
        } catch (SsoRefused refused) {
            if (!recordedByAction) actions.refuse(refused, ctx.ip(), null, null);
            Layout layout = Layout.of(ctx, "Sign-in refused");
            ctx.status(refused.refusal().status()).render("sso_refused.jte", Map.of("page",
                    new SsoRefusedPage(layout, refused.refusal().message(), URLEncoder.encode(next, StandardCharsets.UTF_8))));
        }
    }
}
