package dev.keydesk.devicegrant;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.account.Reauthentication;
import dev.keydesk.account.StepUpRoutes;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.guard.GuardedService;
import dev.keydesk.guard.KeyLimitsInput;
import dev.keydesk.guard.KeyRestrictionQueries;
import dev.keydesk.keyscope.KeyRestrictions;
import dev.keydesk.ratelimit.RequestRateLimiter;
import dev.keydesk.session.WebSession;
import dev.keydesk.user.User;
import dev.keydesk.web.Layout;
import dev.keydesk.web.Moment;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The person's side of the device authorization grant: {@code /device}, where a signed-in person
 * enters the code a device shows (or arrives with it filled in from the device's link), sees which
 * client asked, from where and when, and approves or denies it. Every code entered, approved or
 * denied counts against the person's and the address's limit, so user codes cannot be guessed
 * at any useful rate; a code that cannot be one (wrong letters or length) is refused before that.
 */
public final class DeviceGrantRoutes {
    public static final String PATH = "/device";
    /** Codes tried per person and per client address: a few mistypes and approvals, far too few to guess. */
    public static final RequestRateLimiter.Limit LIMIT = new RequestRateLimiter.Limit(20, Duration.ofMinutes(15));
    static final String NOT_A_CODE = "That is not a code a device shows: codes have eight letters, like BDFH-JKLM.";
    static final String NOT_WAITING = "No device is waiting for this code. Codes last 10 minutes and work once: "
            + "check the code, or start signing in on the device again.";

    private final DeviceGrantActions grants;
    private final RequestRateLimiter limiter;
    private final Clock clock;
    private final Reauthentication reauthentication;
    private final KeyRestrictionQueries limitQueries;

    public DeviceGrantRoutes(DeviceGrantActions grants, RequestRateLimiter limiter, Clock clock,
                             Reauthentication reauthentication, KeyRestrictionQueries limitQueries) {
        this.reauthentication = reauthentication;
        this.limitQueries = limitQueries;
        this.grants = grants;
        this.limiter = limiter;
        this.clock = clock;
    }

    public void register(RoutesConfig routes) {
        routes.get(PATH, this::enter, RouteAccess.SIGNED_IN);
        routes.post(PATH, this::review, RouteAccess.SIGNED_IN);
        routes.post(PATH + "/approve", ctx -> decide(ctx, true), RouteAccess.SIGNED_IN);
        routes.post(PATH + "/deny", ctx -> decide(ctx, false), RouteAccess.SIGNED_IN);
    }

    /** The code form, filled in from {@code ?user_code=} (verification_uri_complete) without looking it up. */
    private void enter(Context ctx) {
        String typed = ctx.queryParam("user_code");
        // Approving gives the device a key of its own, so an account with a second factor proves itself first;
        // asked here, before the code is typed, and the code from the device's link comes back with the page.
        if (StepUpRoutes.sentToStepUp(ctx, reauthentication, returnTo(typed))) return;
        String shown = typed == null ? "" : UserCode.normalize(typed).map(UserCode::display).orElse(clip(typed));
        render(ctx, 200, DevicePage.enter(layout(ctx), shown, null));
    }

    private void review(Context ctx) {
        String typed = ctx.formParam("user_code");
        if (StepUpRoutes.sentToStepUp(ctx, reauthentication, returnTo(typed))) return;
        Optional<String> code = UserCode.normalize(typed);
        if (code.isEmpty()) {
            render(ctx, 400, DevicePage.enter(layout(ctx), clip(typed), NOT_A_CODE));
            return;
        }
        if (limited(ctx, code.get())) return;
        Optional<DeviceGrantActions.Request> waiting = grants.waiting(code.get());
        if (waiting.isEmpty()) {
            render(ctx, 400, DevicePage.enter(layout(ctx), UserCode.display(code.get()), NOT_WAITING));
            return;
        }
        renderReview(ctx, 200, code.get(), waiting.get(), null);
    }

    /** The request with the approval form; {@code limitsError} set shows the limits as they were posted. */
    private void renderReview(Context ctx, int status, String code, DeviceGrantActions.Request request, String limitsError) {
        User me = WebSession.caller(ctx);
        KeyRestrictions.Limits account = limitQueries.ofAccount(me.id());
        Map<Long, String> names = limitQueries.serviceNames();
        // As on a device's limits page: only what the account's keys may open is offered.
        List<GuardedService> services = limitQueries.servicesFor(me).stream().filter(s -> account.scope().mayOpen(s.id())).toList();
        KeyLimitsInput.FormView form = limitsError == null
                ? KeyLimitsInput.FormView.of(KeyRestrictions.Limits.NONE, services, "none of its own")
                : KeyLimitsInput.FormView.posted(ctx::formParam, ctx::formParams, services, "none of its own");
        String bound = "The key also obeys your account's limits (" + KeyRestrictionQueries.summary(account, names)
                + "). It can be narrowed here, never widened, and later on its limits page.";
        render(ctx, status, DevicePage.review(layout(ctx), UserCode.display(code), view(request), form, bound, limitsError));
    }

    private void decide(Context ctx, boolean approve) {
        User user = WebSession.caller(ctx);
        String typed = ctx.formParam("user_code");
        // Denying gives nothing away, so it needs no proof.
        if (approve && StepUpRoutes.sentToStepUp(ctx, reauthentication, returnTo(typed))) return;
        Optional<String> code = UserCode.normalize(typed);
        if (code.isEmpty()) {
            render(ctx, 400, DevicePage.enter(layout(ctx), clip(typed), NOT_A_CODE));
            return;
        }
        if (limited(ctx, code.get())) return;
        Optional<DeviceGrantActions.Request> decided;
        try {
            KeyRestrictions.Limits limits = approve
                    ? KeyLimitsInput.fromForm(ctx::formParam, ctx::formParams, false) : KeyRestrictions.Limits.NONE;
            decided = grants.decide(WebSession.actor(ctx), user.id(), code.get(), approve, limits);
        } catch (InvalidInputException e) {
            // Nothing was decided: the request is shown again with the limits as typed.
            Optional<DeviceGrantActions.Request> waiting = grants.waiting(code.get());
            if (waiting.isEmpty()) {
                render(ctx, 400, DevicePage.enter(layout(ctx), UserCode.display(code.get()), NOT_WAITING));
            } else {
                renderReview(ctx, 400, code.get(), waiting.get(), "Not approved: " + e.getMessage());
            }
            return;
        }
        if (decided.isEmpty()) {
            render(ctx, 400, DevicePage.enter(layout(ctx), UserCode.display(code.get()), NOT_WAITING));
            return;
        }
        render(ctx, 200, DevicePage.decided(layout(ctx), UserCode.display(code.get()), view(decided.get()), approve));
    }

    /** Counts the attempt for the person and the address; true (with the page sent) when either is over its limit. */
    private boolean limited(Context ctx, String code) {
        User user = WebSession.caller(ctx);
        Optional<Duration> wait = limiter.attemptBy(user.id()).or(() -> limiter.attemptFrom(ctx.ip()));
        if (wait.isEmpty()) return false;
        long minutes = Math.max(1, (wait.get().toSeconds() + 59) / 60);
        render(ctx, 429, DevicePage.enter(layout(ctx), UserCode.display(code), "Too many codes tried. Try again in "
                + minutes + (minutes == 1 ? " minute." : " minutes.")));
        return true;
    }

    private DevicePage.RequestView view(DeviceGrantActions.Request request) {
        Instant now = clock.instant();
        return new DevicePage.RequestView(request.client(), request.userAgent(), request.ip(),
                Moment.of(request.requestedAt(), now, "unknown"), Moment.of(request.expiresAt(), now, "unknown"));
    }

    /** This page again, with the code when it is one (anything else is dropped rather than carried along). */
    private static String returnTo(String typed) {
        return UserCode.normalize(typed).map(c -> PATH + "?user_code=" + UserCode.display(c)).orElse(PATH);
    }

    private static Layout layout(Context ctx) {
        return Layout.of(ctx, "Sign in a device");
    }

    /** What was typed, shown back in the form, never longer than the field. */
    private static String clip(String typed) {
        if (typed == null) return "";
        String stripped = typed.strip();
        return stripped.length() > 20 ? stripped.substring(0, 20) : stripped;
    }

    private static void render(Context ctx, int status, DevicePage page) {
        ctx.header("Cache-Control", "no-store");
        ctx.status(status).render("device.jte", Map.of("page", page));
    }
}
