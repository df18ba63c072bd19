package dev.keydesk.bot;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.api.PathIds;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.errors.NotFoundException;
import dev.keydesk.guard.KeyLimitsInput;
import dev.keydesk.guard.KeyRestrictionActions;
import dev.keydesk.guard.KeyRestrictionQueries;
import dev.keydesk.keyscope.KeyRestrictions;
import dev.keydesk.session.WebSession;
import dev.keydesk.user.User;
import dev.keydesk.web.Flash;
import dev.keydesk.web.Layout;
import dev.keydesk.web.ListAddress;
import dev.keydesk.web.WebError;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.Map;

/**
 * A bot key's limits (scope, address ranges, metadata) on a page of their own, for the bot's
 * owners and administrators, reached from the bot's page and the Keys console. A plain form: it
 * works without JavaScript.
 */
public final class BotKeyLimitsRoutes {
    private final BotAccess access;
    private final KeyRestrictionActions restrictions;
    private final KeyRestrictionQueries queries;

    public BotKeyLimitsRoutes(BotAccess access, KeyRestrictionActions restrictions, KeyRestrictionQueries queries) {
        this.access = access;
        this.restrictions = restrictions;
        this.queries = queries;
    }

    public void register(RoutesConfig routes) {
        routes.get("/bots/{bot_id}/api-key/limits", this::show, RouteAccess.SIGNED_IN);
        routes.post("/bots/{bot_id}/api-key/limits", this::save, RouteAccess.SIGNED_IN);
    }

    private Bot manageable(Context ctx) {
        User user = WebSession.caller(ctx);
        try {
            return access.requireManageable(user, PathIds.parse(ctx.pathParam("bot_id"), "No such bot"));
        } catch (BotAccess.Denied | NotFoundException denied) {
            throw new WebError(404, "There is no such bot, or it is not yours to manage.");
        }
    }

    /** The Keys page the form came from, or the bot's page. */
    private static String back(Context ctx, Bot bot) {
        String raw = ctx.method().name().equals("GET") ? ctx.queryParam("back") : ctx.formParam("back");
        return ListAddress.of(raw, "/keys").orElse("/bots/" + bot.id() + "#api-key");
    }

    private void show(Context ctx) {
        Bot bot = manageable(ctx);
        KeyRestrictions.Limits limits = queries.ofAccount(bot.id());
        render(ctx, 200, bot, limits, null);
    }

    private void save(Context ctx) {
        Bot bot = manageable(ctx);
        KeyRestrictions.Limits limits;
        try {
            limits = KeyLimitsInput.fromForm(ctx::formParam, ctx::formParams, true);
            restrictions.setForAccount(WebSession.actor(ctx), bot.id(), limits);
        } catch (InvalidInputException e) {
            // The form again, as typed, with the reason: nothing was saved.
            render(ctx, 400, bot, queries.ofAccount(bot.id()), "The limits were not changed: " + e.getMessage());
            return;
        }
        BotNotices.KEY_LIMITS_CHANGED.set(ctx);
        ctx.redirect(back(ctx, bot), HttpStatus.SEE_OTHER);
    }

    private void render(Context ctx, int status, Bot bot, KeyRestrictions.Limits limits, String error) {
        // A bot is never an administrator to a service, so only services open to everyone or that chose it.
        var services = queries.servicesFor(bot.id(), false);
        String summary = KeyRestrictionQueries.summary(limits, queries.serviceNames());
        String back = back(ctx, bot);
        ctx.header("Cache-Control", "no-store");
        ctx.status(status).render("key_limits.jte", Map.of("page", new KeyLimitsInput.Page(
                Layout.of(ctx, "Limits of " + bot.fullName() + "'s key"), "What " + bot.fullName() + "'s key may open",
                "/bots/" + bot.id() + "/api-key/limits", back, back.startsWith("/keys") ? "Keys" : bot.fullName(),
                KeyLimitsInput.FormView.of(limits, services, summary), true, error)));
    }
}
