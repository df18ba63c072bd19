package dev.keydesk.people;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.api.ApiError;
import dev.keydesk.api.ApiRequest;
import dev.keydesk.api.PathIds;
import dev.keydesk.apikey.ApiAuth;
import dev.keydesk.bot.BotAccess;
import dev.keydesk.bot.BotActions;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import dev.keydesk.user.UserQueries;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Arrays;
import java.util.Map;

/**
 * Administrators' endpoints for people: deactivate (Zulip's DELETE /users/{id}), change role
 * (PATCH /users/{id}), rotate a member's key without seeing it, and reactivate an account
 * (a bot: its owners and administrators; a person: administrators).
 */
public final class PeopleApiRoutes {
    private final PeopleActions people;
    private final BotAccess botAccess;
    private final BotActions bots;
    private final UserQueries users;

    public PeopleApiRoutes(PeopleActions people, BotAccess botAccess, BotActions bots, UserQueries users) {
        this.people = people;
        this.botAccess = botAccess;
        this.bots = bots;
        this.users = users;
    }

    public void register(RoutesConfig routes) {
        routes.delete("/api/v1/users/{user_id}", this::deactivate, RouteAccess.API_ADMIN);
        routes.patch("/api/v1/users/{user_id}", this::update, RouteAccess.API_ADMIN);
        routes.post("/api/v1/users/{user_id}/api_key/regenerate", this::regenerateKey, RouteAccess.API_ADMIN);
        routes.post("/api/v1/users/{user_id}/reactivate", this::reactivate, RouteAccess.API_KEY);
    }

    private void deactivate(Context ctx) {
        ApiRequest req = ApiRequest.of(ctx);
        people.deactivate(ApiAuth.actor(ctx), targetId(ctx));
        ctx.json(req.success(Map.of()));
    }

    private void update(Context ctx) {
        ApiRequest req = ApiRequest.of(ctx);
        long targetId = targetId(ctx);
        people.update(ApiAuth.actor(ctx), targetId, req.jsonInt("role").map(PeopleApiRoutes::role));
        ctx.json(req.success(Map.of()));
    }

    /** Answers without the new key: the member fetches it themselves. */
    private void regenerateKey(Context ctx) {
        ApiRequest req = ApiRequest.of(ctx);
        people.regenerateKey(ApiAuth.actor(ctx), targetId(ctx));
        ctx.json(req.success(Map.of()));
    }

    private void reactivate(Context ctx) {
        User caller = ApiAuth.caller(ctx);
        ApiRequest req = ApiRequest.of(ctx);
        long id = targetId(ctx);
        User target = users.find(id).orElseThrow(() -> new InvalidInputException("No such user"));
        if (target.isBot()) {
            botAccess.requireManageable(caller, id);
            bots.reactivate(ApiAuth.actor(ctx), id);
        } else {
            // Zulip's access_user_by_id(for_admin=True): a member is told "Insufficient permission".
            if (!caller.isAdmin() || caller.isBot()) throw ApiError.badRequest("Insufficient permission");
            people.reactivate(ApiAuth.actor(ctx), id);
        }
        ctx.json(req.success(Map.of()));
    }

    /** Zulip's message for a role that is a number but not one of its roles. */
    private static Role role(long code) {
        return Arrays.stream(Role.values()).filter(r -> r.code() == code).findFirst()
                .orElseThrow(() -> new InvalidInputException("Invalid role"));
    }

    private static long targetId(Context ctx) {
        return PathIds.parse(ctx.pathParam("user_id"), "No such user");
    }
}
