package dev.keydesk.account;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.session.Session;
import dev.keydesk.session.WebSession;
import dev.keydesk.user.User;
import dev.keydesk.web.Layout;
import dev.keydesk.web.WebError;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * The one page that asks for a fresh proof ({@link Reauthentication}) before a key is shown or
 * changed anywhere but Account &amp; privacy: a page that needs it sends the browser here with
 * {@code return_to}, its own address, and gets it back once the proof is given. The proof counts
 * for five minutes, so the next pages do not ask again.
 */
public final class StepUpRoutes {
    public static final String PATH = "/step-up";
    /** Where single sign-on starts a fresh sign-in at the provider (registered only with a provider). */
    public static final String PROVIDER_PATH = "/login/oidc/step-up";
    private static final int MAX_RETURN_TO = 2000;

    private final Reauthentication reauthentication;

    public StepUpRoutes(Reauthentication reauthentication) {
        this.reauthentication = reauthentication;
    }

    public void register(RoutesConfig routes) {
        routes.get(PATH, this::ask, RouteAccess.SIGNED_IN);
        routes.post(PATH, this::prove, RouteAccess.SIGNED_IN);
    }

    /** The step-up page's address that comes back to {@code returnTo} (a local path) afterwards. */
    public static String address(String returnTo) {
        return PATH + "?return_to=" + URLEncoder.encode(returnTo, StandardCharsets.UTF_8);
    }

    /** Sends the browser to the step-up page, which brings it back to {@code returnTo}. */
    public static void redirect(Context ctx, String returnTo) {
        ctx.header("Cache-Control", "no-store");
        ctx.redirect(address(returnTo), HttpStatus.SEE_OTHER);
    }

    /**
     * True, with the browser sent to the step-up page, when this session must give a proof before
     * going on ({@link Reauthentication#stepUpDue}); the page then returns to {@code returnTo}.
     */
    public static boolean sentToStepUp(Context ctx, Reauthentication reauthentication, String returnTo) {
        if (!reauthentication.stepUpDue(WebSession.requireSession(ctx), WebSession.caller(ctx))) return false;
        redirect(ctx, returnTo);
        return true;
    }

    /**
     * {@code raw} when it is a path on this site, else empty: no scheme, no host, no
     * protocol-relative {@code //} or {@code /\} (which browsers read as another host), nothing a
     * browser would strip or reinterpret.
     */
    public static Optional<String> safeReturnTo(String raw) {
        if (raw == null || raw.isEmpty() || raw.length() > MAX_RETURN_TO || raw.charAt(0) != '/') return Optional.empty();
        if (raw.length() > 1 && (raw.charAt(1) == '/' || raw.charAt(1) == '\\')) return Optional.empty();
        if (raw.indexOf('\\') >= 0 || raw.chars().anyMatch(c -> Character.isISOControl(c) || Character.isWhitespace(c))) {
            return Optional.empty();
        }
        try {
            URI uri = new URI(raw);
            if (uri.getScheme() != null || uri.getRawAuthority() != null || !raw.equals(uri.toString())) return Optional.empty();
        } catch (java.net.URISyntaxException e) {
            return Optional.empty();
        }
        return Optional.of(raw);
    }

    private static String returnTo(String raw) {
        return safeReturnTo(raw).orElseThrow(() -> new WebError(400,
                "That link does not lead back to a page of this site, so it was not followed."));
    }

    private void ask(Context ctx) {
        String back = returnTo(ctx.queryParam("return_to"));
        if (reauthentication.isRecent(WebSession.requireSession(ctx))) {
            ctx.redirect(back, HttpStatus.SEE_OTHER);
            return;
        }
        render(ctx, 200, back, null);
    }

    private void prove(Context ctx) {
        String back = returnTo(ctx.formParam("return_to"));
        User user = WebSession.caller(ctx);
        Session session = WebSession.requireSession(ctx);
        Proof proof = Proof.fromForm(reauthentication.required(user), ctx.formParam("password"), ctx.formParam("code"),
                ctx.formParam("passkey"));
        Reauthentication.Result outcome = reauthentication.confirm(session, user, proof, ctx.ip());
        if (outcome instanceof Reauthentication.RateLimited limited) {
            ctx.header("Retry-After", Long.toString(limited.retryAfter().toSeconds()));
            render(ctx, 429, back, limited.message());
        } else if (outcome instanceof Reauthentication.Refused refused) {
            render(ctx, 400, back, refused.message());
        } else {
            ctx.redirect(back, HttpStatus.SEE_OTHER);
        }
    }

    private void render(Context ctx, int status, String back, String error) {
        User user = WebSession.caller(ctx);
        Proof.Kind kind = reauthentication.required(user);
        String providerHref = kind == Proof.Kind.PROVIDER
                ? PROVIDER_PATH + "?return_to=" + URLEncoder.encode(back, StandardCharsets.UTF_8) : null;
        ctx.header("Cache-Control", "no-store");
        ctx.status(status).render("step_up.jte", Map.of("page",
                new Page(Layout.of(ctx, "Confirm it is you"), kind, back, providerHref,
                        reauthentication.offersPasskey(user), error)));
    }

    /** The step-up page: which proof to ask, where to go back, and what went wrong last. */
    public record Page(Layout layout, Proof.Kind kind, String returnTo, String providerHref, boolean passkey, String error) {
        public boolean askCode() {
            return kind == Proof.Kind.AUTHENTICATOR_CODE;
        }

        public boolean askPassword() {
            return kind == Proof.Kind.PASSWORD;
        }
    }
}
