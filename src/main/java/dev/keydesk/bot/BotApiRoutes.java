package dev.keydesk.bot;

import dev.keydesk.apikey.ApiAuth;
import dev.keydesk.api.ApiError;
import dev.keydesk.api.ApiRequest;
import dev.keydesk.api.PathIds;
import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.audit.Actor;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.user.User;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Zulip's bot endpoints. Only a bot's owners and administrators may touch a bot. */
public final class BotApiRoutes {
    private final ApiAuth auth;
    private final BotAccess access;
    private final BotActions bots;
    private final BotQueries queries;
    private final ApiKeyActions apiKeys;
    private final String site;

    public BotApiRoutes(ApiAuth auth, BotAccess access, BotActions bots, BotQueries queries, ApiKeyActions apiKeys,
                        String site) {
        this.auth = auth;
        this.access = access;
        this.bots = bots;
        this.queries = queries;
        this.apiKeys = apiKeys;
        this.site = site;
    }

    public void register(RoutesConfig routes) {
        routes.get("/api/v1/bots", this::list);
        routes.post("/api/v1/bots", this::create);
        routes.patch("/api/v1/bots/{bot_id}", this::update);
        routes.delete("/api/v1/bots/{bot_id}", this::deactivate);
        routes.get("/api/v1/bots/{bot_id}/api_key", this::apiKey);
        routes.post("/api/v1/bots/{bot_id}/api_key/regenerate", this::regenerate);
    }


    private Bot manageable(User caller, String rawId) {
        try {
            return access.requireManageable(caller, PathIds.parse(rawId, "No such bot"));
        } catch (BotAccess.Denied denied) {
            throw ApiError.badRequest(denied.getMessage());
        }
    }

    /** Administrators see every bot, others the bots they own; each with its key, as in Zulip. */
    private void list(Context ctx) {
        User caller = auth.require(ctx);
        ApiRequest req = ApiRequest.of(ctx);
        List<Bot> visible = caller.isAdmin() && !caller.isBot()
                ? queries.allActive() : queries.ownedBy(caller.id(), true);
        Map<Long, String> keys = apiKeys.revealKeys(Actor.api(caller.id(), ctx.ip()),
                visible.stream().map(Bot::id).toList(), "bot list");
        BotQueries.Details details = queries.details(visible);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Bot bot : visible) {
            Map<String, Object> entry = botDict(bot, details);
            entry.put("api_key", keys.get(bot.id()));
            out.add(entry);
        }
        ctx.header("Cache-Control", "no-store");
        ctx.json(req.success(Map.of("bots", out)));
    }

    private Map<String, Object> botDict(Bot bot, BotQueries.Details details) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("user_id", bot.id());
        entry.put("full_name", bot.fullName());
        entry.put("email", bot.email());
        entry.put("bot_type", bot.botType());
        entry.put("is_active", bot.isActive());
        entry.put("avatar_url", site + bot.avatarPath());
        entry.put("owner_id", details.primaryOwner(bot.id()));
        entry.put("owner_ids", details.ownerIds(bot.id()));
        entry.put("default_sending_stream", null);
        entry.put("default_events_register_stream", null);
        entry.put("default_all_public_streams", false);
        List<Map<String, Object>> services = new ArrayList<>();
        details.service(bot.id()).ifPresent(s -> services.add(Map.of(
                "base_url", s.payloadUrl(), "interface", s.interfaceType())));
        entry.put("services", services);
        return entry;
    }

    private void create(Context ctx) {
        User caller = auth.require(ctx);
        ApiRequest req = ApiRequest.of(ctx);
        BotType type = BotRules.type(req.optional("bot_type").orElse(null));
        BotActions.NewBot spec = new BotActions.NewBot(
                req.required("full_name"), req.required("short_name"), type,
                req.optional("payload_url").orElse(null),
                BotRules.botInterface(req.optional("interface_type").orElse(null)),
                uploadedAvatar(ctx), List.of());
        BotActions.Created created = bots.createBot(Actor.api(caller.id(), ctx.ip()), caller, spec);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("user_id", created.bot().id());
        body.put("api_key", created.apiKey());
        body.put("avatar_url", site + created.bot().avatarPath());
        body.put("default_sending_stream", null);
        body.put("default_events_register_stream", null);
        body.put("default_all_public_streams", false);
        ctx.header("Cache-Control", "no-store");
        ctx.json(req.success(body));
    }

    private void update(Context ctx) {
        User caller = auth.require(ctx);
        Bot bot = manageable(caller, ctx.pathParam("bot_id"));
        ApiRequest req = ApiRequest.of(ctx);
        if (req.optional("service_payload_url").isPresent() && bot.type() != BotType.OUTGOING_WEBHOOK) {
            throw ApiError.badRequest("This bot has no outgoing webhook service.");
        }
        List<Long> owners = req.optional("bot_owner_id").map(raw -> List.of(PathIds.parse(raw, "No such user"))).orElse(null);
        BotActions.Changes changes = new BotActions.Changes(
                req.optional("full_name").orElse(null),
                req.optional("service_payload_url").map(BotApiRoutes::unquote).orElse(null),
                req.optional("service_interface").map(BotRules::botInterface).orElse(null),
                uploadedAvatar(ctx), owners);
        Bot updated = bots.updateBot(Actor.api(caller.id(), ctx.ip()), bot.id(), changes);
        BotQueries.Details details = queries.details(List.of(updated));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("full_name", updated.fullName());
        body.put("avatar_url", site + updated.avatarPath());
        body.put("bot_owner", details.primaryOwnerEmail(updated.id()));
        details.service(updated.id()).ifPresent(s -> {
            body.put("service_payload_url", s.payloadUrl());
            body.put("service_interface", s.interfaceType());
        });
        ctx.json(req.success(body));
    }

    private void deactivate(Context ctx) {
        User caller = auth.require(ctx);
        Bot bot = manageable(caller, ctx.pathParam("bot_id"));
        ApiRequest req = ApiRequest.of(ctx);
        bots.deactivate(Actor.api(caller.id(), ctx.ip()), bot.id());
        ctx.json(req.success(Map.of()));
    }

    private void apiKey(Context ctx) {
        User caller = auth.require(ctx);
        Bot bot = manageable(caller, ctx.pathParam("bot_id"));
        ApiRequest req = ApiRequest.of(ctx);
        String key = bots.revealKey(Actor.api(caller.id(), ctx.ip()), bot.id(), "GET /bots/{bot_id}/api_key");
        ctx.header("Cache-Control", "no-store");
        ctx.json(req.success(Map.of("api_key", key)));
    }

    private void regenerate(Context ctx) {
        User caller = auth.require(ctx);
        Bot bot = manageable(caller, ctx.pathParam("bot_id"));
        ApiRequest req = ApiRequest.of(ctx);
        String key = bots.regenerateKey(Actor.api(caller.id(), ctx.ip()), bot.id());
        ctx.header("Cache-Control", "no-store");
        ctx.json(req.success(Map.of("api_key", key)));
    }

    /** Zulip clients send service_payload_url JSON-encoded ("\"https://…\""); plain strings are accepted too. */
    private static String unquote(String raw) {
        String s = raw.strip();
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }

    private static byte[] uploadedAvatar(Context ctx) {
        if (!ctx.isMultipartFormData()) return null;
        List<UploadedFile> files = ctx.uploadedFiles();
        if (files.isEmpty()) return null;
        if (files.size() > 1) throw new InvalidInputException("You may only upload one file at a time");
        return BotForms.readAll(files.get(0));
    }
}
