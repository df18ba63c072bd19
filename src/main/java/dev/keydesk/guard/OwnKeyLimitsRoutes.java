package dev.keydesk.guard;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.api.PathIds;
import dev.keydesk.device.Device;
import dev.keydesk.device.DeviceDao;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.errors.NotFoundException;
import dev.keydesk.keyscope.KeyRestrictions;
import dev.keydesk.session.WebSession;
import dev.keydesk.user.User;
import dev.keydesk.web.Layout;
import dev.keydesk.web.WebError;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * A person's own limits, reached from Account &amp; privacy: the account's (every key of theirs:
 * the main key and each device's) and, per device, a narrower set for that device's key alone.
 * Changing limits shows no key, so the signed-in session suffices, as for logging a device out;
 * a device's limits can only narrow the account's, which the action checks.
 */
public final class OwnKeyLimitsRoutes {
    static final String ACCOUNT = "/account/api-key/limits";

    private final Jdbi jdbi;
    private final KeyRestrictionActions restrictions;
    private final KeyRestrictionQueries queries;

    public OwnKeyLimitsRoutes(Jdbi jdbi, KeyRestrictionActions restrictions, KeyRestrictionQueries queries) {
        this.jdbi = jdbi;
        this.restrictions = restrictions;
        this.queries = queries;
    }

    public void register(RoutesConfig routes) {
        routes.get(ACCOUNT, this::showAccount, RouteAccess.SIGNED_IN);
        routes.post(ACCOUNT, this::saveAccount, RouteAccess.SIGNED_IN);
        routes.get("/account/devices/{device_id}/limits", this::showDevice, RouteAccess.SIGNED_IN);
        routes.post("/account/devices/{device_id}/limits", this::saveDevice, RouteAccess.SIGNED_IN);
    }

    private void showAccount(Context ctx) {
        User me = WebSession.caller(ctx);
        renderAccount(ctx, 200, me, null);
    }

    private void saveAccount(Context ctx) {
        User me = WebSession.caller(ctx);
        try {
            restrictions.setForAccount(WebSession.actor(ctx), me.id(), KeyLimitsInput.fromForm(ctx::formParam, ctx::formParams, true));
        } catch (InvalidInputException e) {
            renderAccount(ctx, 400, me, "The limits were not changed: " + e.getMessage());
            return;
        }
        ServiceNotices.OWN_KEY_LIMITS_CHANGED.set(ctx);
        ctx.redirect("/account#api-key", HttpStatus.SEE_OTHER);
    }

    private void renderAccount(Context ctx, int status, User me, String error) {
        List<GuardedService> services = queries.servicesFor(me);
        KeyRestrictions.Limits limits = queries.ofAccount(me.id());
        String summary = KeyRestrictionQueries.summary(limits, queries.serviceNames());
        KeyLimitsInput.FormView form = error == null ? KeyLimitsInput.FormView.of(limits, services, summary)
                : KeyLimitsInput.FormView.posted(ctx::formParam, ctx::formParams, services, summary);
        render(ctx, status, new KeyLimitsInput.Page(Layout.of(ctx, "Limits of your API key"),
                "What your API key and your devices' keys may open", ACCOUNT, "/account#api-key", "Account & privacy",
                form, true, error));
    }

    /** The device, if it is the signed-in person's and still logged in; anyone else's is not found. */
    private Device device(Context ctx, User me) {
        long id;
        try {
            id = PathIds.parse(ctx.pathParam("device_id"), "There is no such device.");
        } catch (NotFoundException | InvalidInputException e) {
            throw new WebError(404, "There is no such device among yours: it may have been logged out.");
        }
        return jdbi.withExtension(DeviceDao.class, dao -> dao.find(me.id(), id))
                .orElseThrow(() -> new WebError(404, "There is no such device among yours: it may have been logged out."));
    }

    private void showDevice(Context ctx) {
        User me = WebSession.caller(ctx);
        renderDevice(ctx, 200, me, device(ctx, me), null);
    }

    private void saveDevice(Context ctx) {
        User me = WebSession.caller(ctx);
        Device device = device(ctx, me);
        try {
            restrictions.setForDevice(WebSession.actor(ctx), me.id(), device.id(),
                    KeyLimitsInput.fromForm(ctx::formParam, ctx::formParams, false));
        } catch (InvalidInputException e) {
            renderDevice(ctx, 400, me, device, "The limits were not changed: " + e.getMessage());
            return;
        } catch (NotFoundException e) {
            // Logged out between the page and the save.
            throw new WebError(404, e.getMessage());
        }
        ServiceNotices.DEVICE_KEY_LIMITS_CHANGED.set(ctx);
        ctx.redirect("/account#devices", HttpStatus.SEE_OTHER);
    }

    private void renderDevice(Context ctx, int status, User me, Device device, String error) {
        KeyRestrictions.Limits account = queries.ofAccount(me.id());
        Map<Long, String> names = queries.serviceNames();
        // Only what the account's keys may open is offered: the services of its scope, or all that admit it.
        List<GuardedService> services = queries.servicesFor(me).stream()
                .filter(s -> account.scope().mayOpen(s.id())).toList();
        KeyRestrictions.Limits limits = queries.ofDevices(me.id()).getOrDefault(device.id(), KeyRestrictions.Limits.NONE);
        String summary = limits.scope().isUnrestricted() && limits.ranges().isAnywhere()
                ? "no limits of its own" : KeyRestrictionQueries.summary(limits, names);
        KeyLimitsInput.FormView form = error == null ? KeyLimitsInput.FormView.of(limits, services, summary)
                : KeyLimitsInput.FormView.posted(ctx::formParam, ctx::formParams, services, summary);
        String label = device.client() + " (" + device.ip() + ")";
        String bound = "This key also obeys your account's limits (" + KeyRestrictionQueries.summary(account, names)
                + "). It can be narrowed further here, never widened.";
        render(ctx, status, new KeyLimitsInput.Page(Layout.of(ctx, "Limits of " + label), "What the key of " + label + " may open",
                "/account/devices/" + device.id() + "/limits", "/account#devices", "Account & privacy", form, false, error, bound));
    }

    private static void render(Context ctx, int status, KeyLimitsInput.Page page) {
        ctx.header("Cache-Control", "no-store");
        ctx.status(status).render("key_limits.jte", Map.of("page", page));
    }
}
