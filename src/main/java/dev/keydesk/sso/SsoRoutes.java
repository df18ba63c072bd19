package dev.keydesk.sso;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.account.LoginRoutes;
import dev.keydesk.account.Proof;
import dev.keydesk.account.Reauthentication;
import dev.keydesk.account.StepUpRoutes;
import dev.keydesk.factor.PendingSignIns;
import dev.keydesk.factor.SecondFactorActions;
import dev.keydesk.session.Session;
import dev.keydesk.web.WebError;
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
    private final Reauthentication reauthentication;
    private final SecondFactorActions factors;
    private final PendingSignIns pendingSignIns;

    public SsoRoutes(OidcClient client, SsoActions actions, WebSession webSession, boolean secureCookies,
                     UnaryOperator<String> safeNext, Reauthentication reauthentication, SecondFactorActions factors,
                     PendingSignIns pendingSignIns) {
        this.reauthentication = reauthentication;
        this.factors = factors;
        this.pendingSignIns = pendingSignIns;
        this.client = client;
        this.actions = actions;
        this.webSession = webSession;
        this.secureCookies = secureCookies;
        this.safeNext = safeNext;
    }

    public void register(RoutesConfig routes) {
        routes.get("/login/oidc", this::start, RouteAccess.ANONYMOUS);
        routes.get(CALLBACK, this::callback, RouteAccess.ANONYMOUS);
        routes.get(StepUpRoutes.PROVIDER_PATH, this::startStepUp, RouteAccess.SIGNED_IN);
    }

    /**
     * A signed-in person without a password proves it is still them by signing in at the provider
     * again: it is told to ask for their credentials now, whatever session it holds, and the
     * callback checks that it did ({@code auth_time}) and that it was the same person.
     */
    private void startStepUp(Context ctx) {
        String returnTo = StepUpRoutes.safeReturnTo(ctx.queryParam("return_to")).orElseThrow(() -> new WebError(400,
                "That link does not lead back to a page of this site, so it was not followed."));
        User user = WebSession.caller(ctx);
        if (reauthentication.isRecent(WebSession.requireSession(ctx))) {
            ctx.redirect(returnTo, HttpStatus.SEE_OTHER);
            return;
        }
        if (reauthentication.required(user) != Proof.Kind.PROVIDER) {
            // A password or a code is this account's proof: the step-up page asks for it.
            ctx.redirect(StepUpRoutes.address(returnTo), HttpStatus.SEE_OTHER);
            return;
        }
        OidcClient.Started started;
        try {
            started = client.start(true);
        } catch (SsoRefused refused) {
            actions.refuse(refused, ctx.ip(), user.id(), null);
            refusedPage(ctx, refused, returnTo, "Back to where you were");
            return;
        }
        actions.rememberStepUp(started, returnTo, user.id());
        ctx.cookie(new Cookie(STATE_COOKIE, started.state(), CALLBACK, 600, secureCookies, true, null, SameSite.LAX));
        ctx.redirect(started.authorizationUri().toString(), HttpStatus.SEE_OTHER);
    }

    /** The answer to {@link #startStepUp}: confirms the session's proof, or refuses with an audit row. */
    private void finishStepUp(Context ctx, SsoActions.Pending pending, String code) throws SsoRefused {
        Session session = WebSession.session(ctx).orElse(null);
        User user = WebSession.user(ctx).orElse(null);
        if (session == null || user == null || user.id() != pending.stepUpUser()) {
            throw new SsoRefused(SsoRefusal.WRONG_STATE, "the step-up's session is gone");
        }
        OidcClient.Identity identity = client.finish(code, ctx.queryParam("iss"), pending.nonce(), pending.codeVerifier());
        if (!actions.isLinked(identity, user.id())) {
            throw new SsoRefused(SsoRefusal.OTHER_ACCOUNT, "subject " + identity.subject());
        }
        var outcome = reauthentication.confirm(session, user, new Proof.ProviderSignIn(identity.authTime()), ctx.ip());
        if (!(outcome instanceof Reauthentication.Confirmed)) {
            throw new SsoRefused(SsoRefusal.NOT_FRESH, identity.authTime() == null ? "no auth_time"
                    : "auth_time " + identity.authTime());
        }
        ctx.redirect(pending.next(), HttpStatus.SEE_OTHER);
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
        Long stepUpUser = null;
        boolean recordedByAction = false;
        try {
            if (state == null || expected == null || !Tokens.constantTimeEquals(state, expected)) {
                throw new SsoRefused(SsoRefusal.WRONG_STATE, state == null ? "no state"
                        : expected == null ? "no sign-in started in this browser" : "another sign-in's state");
            }
            SsoActions.Pending pending = actions.take(state)
                    .orElseThrow(() -> new SsoRefused(SsoRefusal.WRONG_STATE, "used already or expired"));
            next = pending.next();
            stepUpUser = pending.stepUpUser();
            String error = ctx.queryParam("error");
            String code = ctx.queryParam("code");
            if (error != null || code == null || code.isBlank()) {
                throw new SsoRefused(SsoRefusal.PROVIDER_ERROR, error == null ? "no code" : error);
            }
            if (stepUpUser != null) {
                finishStepUp(ctx, pending, code);
                return;
            }
            OidcClient.Identity identity = client.finish(code, ctx.queryParam("iss"), pending.nonce(), pending.codeVerifier());
            recordedByAction = true;
            User user = actions.signIn(identity, ctx.ip()); // records its own refusals
            if (factors.hasSecondFactor(user.id())) {
                // The provider vouches for who signed in; the second factor the person set up here is still asked.
                pendingSignIns.start(ctx, user.id(), next);
                ctx.redirect(LoginRoutes.CODE_STEP, HttpStatus.SEE_OTHER);
                return;
            }
            webSession.signIn(ctx, user.id());
            ctx.redirect(next, HttpStatus.SEE_OTHER);
        } catch (SsoRefused refused) {
            if (!recordedByAction) actions.refuse(refused, ctx.ip(), stepUpUser, null);
            if (stepUpUser != null) {
                refusedPage(ctx, refused, StepUpRoutes.address(next), "Try again");
            } else {
                refusedPage(ctx, refused, "/login?next=" + URLEncoder.encode(next, StandardCharsets.UTF_8),
                        "Back to the login page");
            }
        }
    }

    private static void refusedPage(Context ctx, SsoRefused refused, String backHref, String back) {
        Layout layout = Layout.of(ctx, "Sign-in refused");
        ctx.header("Cache-Control", "no-store");
        ctx.status(refused.refusal().status()).render("sso_refused.jte", Map.of("page",
                new SsoRefusedPage(layout, refused.refusal().message(), backHref, back)));
    }
}
