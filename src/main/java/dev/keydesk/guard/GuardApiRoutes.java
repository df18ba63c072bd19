package dev.keydesk.guard;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.api.ApiRequest;
import dev.keydesk.api.PathIds;
import dev.keydesk.apikey.ApiAuth;
import dev.keydesk.errors.NotFoundException;
import dev.keydesk.user.User;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The administrators' API for guarded services: the Services page's actions for scripts. */
public final class GuardApiRoutes {
    private static final String BASE = "/api/v1/guarded_services";
    private final GuardActions actions;
    private final ServiceQueries queries;

    public GuardApiRoutes(GuardActions actions, ServiceQueries queries) {
        this.actions = actions;
        this.queries = queries;
    }

    public void register(RoutesConfig routes) {
        routes.get(BASE, this::list, RouteAccess.API_ADMIN);
        routes.post(BASE, this::create, RouteAccess.API_ADMIN);
        routes.patch(BASE + "/{service_id}", this::update, RouteAccess.API_ADMIN);
        routes.delete(BASE + "/{service_id}", this::delete, RouteAccess.API_ADMIN);
        routes.post(BASE + "/{service_id}/token/regenerate", this::regenerateToken, RouteAccess.API_ADMIN);
        routes.post(BASE + "/{service_id}/members", this::addMember, RouteAccess.API_ADMIN);
        routes.delete(BASE + "/{service_id}/members/{user_id}", this::removeMember, RouteAccess.API_ADMIN);
    }

    private void list(Context ctx) {
        ApiRequest req = ApiRequest.of(ctx);
        Map<Long, List<Long>> members = queries.memberIds();
        List<Map<String, Object>> services = queries.all().stream()
                .map(s -> describe(s, members.getOrDefault(s.id(), List.of()))).toList();
        ctx.json(req.success(Map.of("services", services)));
    }

    private void create(Context ctx) {
        User admin = ApiAuth.caller(ctx);
        ApiRequest req = ApiRequest.of(ctx);
        GuardActions.Spec spec = new GuardActions.Spec(req.required("name"), req.optional("description").orElse(""),
                Access.parse(req.optional("access").orElse("everyone")),
                ServiceRules.rateLimit(req.optional("rate_limit_per_minute").orElse(null)));
        GuardActions.Registered registered = actions.register(ApiAuth.actor(ctx), spec);
        ctx.header("Cache-Control", "no-store");
        ctx.json(req.success(Map.of("id", registered.service().id(), "token", registered.token())));
    }

    private void update(Context ctx) {
        User admin = ApiAuth.caller(ctx);
        GuardedService current = service(ctx);
        ApiRequest req = ApiRequest.of(ctx);
        GuardActions.Spec spec = new GuardActions.Spec(req.optional("name").orElse(current.name()),
                req.optional("description").orElse(current.description()),
                Access.parse(req.optional("access").orElse(current.access())),
                rateLimit(req, current.rateLimitPerMinute()));
        GuardedService updated = actions.modify(ApiAuth.actor(ctx), current.id(), spec);
        ctx.json(req.success(Map.of("service", describe(updated, queries.memberIds().getOrDefault(updated.id(), List.of())))));
    }

    private void delete(Context ctx) {
        User admin = ApiAuth.caller(ctx);
        GuardedService service = service(ctx);
        ApiRequest req = ApiRequest.of(ctx);
        actions.delete(ApiAuth.actor(ctx), service.id());
        ctx.json(req.success(Map.of()));
    }

    private void regenerateToken(Context ctx) {
        User admin = ApiAuth.caller(ctx);
        GuardedService service = service(ctx);
        ApiRequest req = ApiRequest.of(ctx);
        String token = actions.regenerateToken(ApiAuth.actor(ctx), service.id());
        ctx.header("Cache-Control", "no-store");
        ctx.json(req.success(Map.of("token", token)));
    }

    private void addMember(Context ctx) {
        User admin = ApiAuth.caller(ctx);
        GuardedService service = service(ctx);
        ApiRequest req = ApiRequest.of(ctx);
        long userId = PathIds.parse(req.required("user_id"), "No such user");
        actions.addMember(ApiAuth.actor(ctx), service.id(), userId);
        ctx.json(req.success(Map.of()));
    }

    private void removeMember(Context ctx) {
        User admin = ApiAuth.caller(ctx);
        GuardedService service = service(ctx);
        ApiRequest req = ApiRequest.of(ctx);
        actions.removeMember(ApiAuth.actor(ctx), service.id(),
                PathIds.parse(ctx.pathParam("user_id"), "No such user"));
        ctx.json(req.success(Map.of()));
    }

    /** The rate limit sent, JSON {@code null} (or an empty value) for none, or the current one when absent. */
    private static Integer rateLimit(ApiRequest req, Integer current) {
        Optional<String> raw = req.optional("rate_limit_per_minute");
        if (raw.isEmpty()) return current;
        String value = raw.get().strip();
        return value.isEmpty() || value.equals("null") ? null : ServiceRules.rateLimit(value);
    }

    private GuardedService service(Context ctx) {
        long id = PathIds.parse(ctx.pathParam("service_id"), "No such service");
        return queries.find(id).orElseThrow(() -> new NotFoundException("No such service"));
    }

    private static Map<String, Object> describe(GuardedService s, List<Long> memberIds) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", s.id());
        out.put("name", s.name());
        out.put("description", s.description());
        out.put("access", s.access());
        out.put("rate_limit_per_minute", s.rateLimitPerMinute());
        out.put("member_ids", memberIds);
        out.put("created_at", s.createdAt().toString());
        return out;
    }
}
