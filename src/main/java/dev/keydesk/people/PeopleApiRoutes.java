package dev.keydesk.people;

import dev.keydesk.api.ApiAuth;
import dev.keydesk.api.ApiError;
import dev.keydesk.api.ApiRequest;
import dev.keydesk.apikey.KeyOwner;
import dev.keydesk.user.User;
import dev.keydesk.user.UserDao;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * Administrators' endpoints for people: deactivate (Zulip's DELETE /users/{id}), change role
 * (PATCH /users/{id}), and rotate a member's key without seeing it. Anyone else gets 403.
 */
public final class PeopleApiRoutes {
    private final Jdbi jdbi;
    private final ApiAuth auth;
    private final PeopleActions people;

    public PeopleApiRoutes(Jdbi jdbi, ApiAuth auth, PeopleActions people) {
        this.jdbi = jdbi;
        this.auth = auth;
        this.people = people;
    }

    public void register(RoutesConfig routes) {
        routes.delete("/api/v1/users/{user_id}", this::deactivate);
        routes.patch("/api/v1/users/{user_id}", this::update);
        routes.post("/api/v1/users/{user_id}/api_key/regenerate", this::regenerateKey);
    }

    private User admin(Context ctx) {
        KeyOwner owner = auth.require(ctx);
        User caller = jdbi.withExtension(UserDao.class, dao -> dao.findById(owner.userId())).orElseThrow();
        AdminPolicy.requireAdmin(caller);
        return caller;
    }

    private void deactivate(Context ctx) {
        User admin = admin(ctx);
        ApiRequest req = ApiRequest.of(ctx);
        people.deactivate(admin, targetId(ctx), ctx.ip());
        ctx.json(req.success(Map.of()));
    }

    private void update(Context ctx) {
        User admin = admin(ctx);
        ApiRequest req = ApiRequest.of(ctx);
        req.optional("role").map(PeopleRoutes::parseRole)
                .ifPresent(role -> people.changeRole(admin, targetId(ctx), role, ctx.ip()));
        ctx.json(req.success(Map.of()));
    }

    /** Answers without the new key: the member fetches it themselves. */
    private void regenerateKey(Context ctx) {
        User admin = admin(ctx);
        ApiRequest req = ApiRequest.of(ctx);
        people.regenerateKey(admin, targetId(ctx), ctx.ip());
        ctx.json(req.success(Map.of()));
    }

    private static long targetId(Context ctx) {
        try {
            return Long.parseLong(ctx.pathParam("user_id"));
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("No such user");
        }
    }
}
