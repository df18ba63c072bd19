package dev.keydesk.bot;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.apikey.ApiAuth;
import dev.keydesk.api.ApiError;
import dev.keydesk.api.ApiRequest;
import dev.keydesk.api.PathIds;
import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.apikey.ApiKeyQueries;
import dev.keydesk.apikey.KeyLifetimes;
import dev.keydesk.db.PageRead;
import java.time.Instant;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.user.User;
import io.javalin.config.RoutesConfig;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.ContentType;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.keydesk.guard.KeyLimitsInput;
import dev.keydesk.guard.KeyRestrictionActions;
import dev.keydesk.guard.KeyRestrictionQueries;
import dev.keydesk.keyscope.KeyRestrictions;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Zulip's bot endpoints. Only a bot's owners and administrators may touch a bot; bots and guests use none. */
public final class BotApiRoutes {
    /** Keydesk's extension on create, update and regenerate: the key's expiry, ISO 8601. */
    private static final String EXPIRES_AT = "api_key_expires_at";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** GET /bots answers with at most this many bots (Keydesk's extension; see {@link #list}). */
    private static final int MAX_BOTS_PER_ANSWER = 1_000;
    private final BotAccess access;
    private final BotActions bots;
    private final BotQueries queries;
    private final ApiKeyActions apiKeys;
    private final ApiKeyQueries keyQueries;
    private final String site;
    private final KeyRestrictionActions restrictions;
    private final KeyRestrictionQueries restrictionQueries;
    private final Jdbi jdbi;

    public BotApiRoutes(Jdbi jdbi, BotAccess access, BotActions bots, BotQueries queries, ApiKeyActions apiKeys,
                        ApiKeyQueries keyQueries, String site, KeyRestrictionActions restrictions,
                        KeyRestrictionQueries restrictionQueries) {
        this.jdbi = jdbi;
        this.restrictions = restrictions;
        this.restrictionQueries = restrictionQueries;
        this.keyQueries = keyQueries;
        this.access = access;
        this.bots = bots;
        this.queries = queries;
        this.apiKeys = apiKeys;
        this.site = site;
    }

    public void register(RoutesConfig routes) {
        routes.get("/api/v1/bots", this::list, RouteAccess.API_MEMBER_OR_ADMIN);
        routes.post("/api/v1/bots", this::create, RouteAccess.API_MEMBER_OR_ADMIN);
        routes.patch("/api/v1/bots/{bot_id}", this::update, RouteAccess.API_MEMBER_OR_ADMIN);
        routes.delete("/api/v1/bots/{bot_id}", this::deactivate, RouteAccess.API_KEY);
        routes.get("/api/v1/bots/{bot_id}/api_key", this::apiKey, RouteAccess.API_MEMBER_OR_ADMIN);
        routes.post("/api/v1/bots/{bot_id}/api_key/regenerate", this::regenerate, RouteAccess.API_MEMBER_OR_ADMIN);
    }


    private Bot manageable(User caller, String rawId) {
        try {
            return access.requireManageable(caller, PathIds.parse(rawId, "No such bot"));
        } catch (BotAccess.Denied denied) {
            throw ApiError.badRequest(denied.getMessage());
        }
    }

    /**
     * Zulip's GET /bots: the caller's own active bots, oldest first, for administrators too
     * (they see every bot on the Keys page and through the bot endpoints). Each item has the
     * fields of Zulip's GET /bots items and those of its bot dictionaries.
     *
     * <p>Keydesk's extension: at most {@link #MAX_BOTS_PER_ANSWER} bots per answer, so that an
     * owner of many thousands of bots gets a bounded answer (each item reveals a key, and the
     * audit row names every bot in it). {@code limit} lowers that, {@code after_id} starts after
     * the last bot a client got, and {@code has_more} tells it to ask again. Anyone with no more
     * bots than that gets Zulip's answer, plus {@code has_more: false}.
     */
    private void list(Context ctx) {
        User caller = ApiAuth.caller(ctx);
        ApiRequest req = ApiRequest.of(ctx);
        int limit = req.jsonInt("limit").map(BotApiRoutes::pageLimit).orElse(MAX_BOTS_PER_ANSWER);
        long afterId = req.jsonInt("after_id").map(BotApiRoutes::afterId).orElse(0L);
        // The bots and what is shown of them in one read-only transaction; revealing their keys (with
        // their expiries) writes the audit row, so it comes after, in a transaction of its own.
        record Listed(BotQueries.OwnedPage page, BotQueries.ApiDetails details, Map<Long, KeyRestrictions.Limits> limits) {}
        Listed listed = PageRead.of(jdbi, () -> {
            BotQueries.OwnedPage page = queries.activeOwnedAfter(caller.id(), afterId, limit);
            List<Long> ids = page.bots().stream().map(Bot::id).toList();
            return new Listed(page, queries.apiDetails(page.bots()), restrictionQueries.ofAccounts(ids));
        });
        List<Bot> listedBots = listed.page().bots();
        Map<Long, String> addresses = new LinkedHashMap<>();
        for (Bot bot : listedBots) addresses.put(bot.id(), bot.email());
        Map<Long, ApiKeyActions.Revealed> keys = apiKeys.revealKeys(ApiAuth.actor(ctx), addresses, "bot list");
        List<Map<String, Object>> out = new ArrayList<>();
        for (Bot bot : listedBots) {
            ApiKeyActions.Revealed key = keys.get(bot.id());
            Map<String, Object> entry = botDict(bot, listed.details(), key == null ? null : key.apiKey(),
                    key == null ? null : key.expiresAt());
            entry.putAll(KeyLimitsInput.asJson(listed.limits().getOrDefault(bot.id(), KeyRestrictions.Limits.NONE)));
            out.add(entry);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("bots", out);
        body.put("has_more", listed.page().hasMore());
        ctx.header("Cache-Control", "no-store");
        writeJson(ctx, req.success(body));
    }

    /**
     * The answer as UTF-8 bytes written at once: {@code ctx.json} would build the whole text as a
     * String first and then encode it, a quarter of the Java time of a thousand bots' answer.
     */
    private static void writeJson(Context ctx, Map<String, Object> answer) {
        try {
            ctx.contentType(ContentType.APPLICATION_JSON).result(JSON.writeValueAsBytes(answer));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A bot list could not be written as JSON", e);
        }
    }

    private static int pageLimit(long limit) {
        if (limit < 1 || limit > MAX_BOTS_PER_ANSWER) {
            throw ApiError.badRequest("limit must be between 1 and " + MAX_BOTS_PER_ANSWER);
        }
        return (int) limit;
    }

    private static long afterId(long afterId) {
        if (afterId < 0) throw ApiError.badRequest("after_id must not be negative");
        return afterId;
    }

    private Map<String, Object> botDict(Bot bot, BotQueries.ApiDetails details, String apiKey, Instant expiresAt) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("username", bot.email());
        entry.put("email", bot.email());
        entry.put("user_id", bot.id());
        entry.put("full_name", bot.fullName());
        entry.put("bot_type", bot.botType());
        entry.put("is_active", bot.isActive());
        entry.put("api_key", apiKey);
        entry.put("avatar_url", site + bot.avatarPath());
        entry.put("default_sending_stream", null);
        entry.put("default_events_register_stream", null);
        entry.put("default_all_public_streams", false);
        entry.put("owner_id", details.primaryOwners().get(bot.id()));
        List<Map<String, Object>> services = new ArrayList<>();
        details.service(bot.id()).ifPresent(s -> services.add(Map.of(
                "base_url", s.payloadUrl(), "interface", s.interfaceType())));
        entry.put("services", services);
        entry.put(EXPIRES_AT, expiresAt == null ? null : expiresAt.toString());
        return entry;
    }

    /**
     * Zulip's POST /bots. bot_type, payload_url and interface_type are JSON-encoded, as Zulip's
     * own web app sends them (payload_url as a JSON string, with its quotes). Refusals a client
     * may compare use Zulip's exact words ({@link BotRules.Refused}).
     */
    private void create(Context ctx) {
        User caller = ApiAuth.caller(ctx);
        ApiRequest req = ApiRequest.of(ctx);
        String fullName = req.required("full_name");
        String shortName = req.required("short_name");
        BotType type = req.jsonInt("bot_type").map(BotApiRoutes::botType).orElse(BotType.GENERIC);
        String payloadUrl = req.jsonString("payload_url").orElse(null);
        BotInterface botInterface = req.jsonInt("interface_type").map(BotApiRoutes::botInterface).orElse(BotInterface.ZULIP);
        BotActions.NewBot spec = new BotActions.NewBot(fullName, shortName, type, payloadUrl, botInterface,
                uploadedAvatar(ctx), List.of());
        BotActions.KeyExpiry expiry = req.optional(EXPIRES_AT).map(raw -> new BotActions.KeyExpiry(KeyLifetimes.expiry(raw)))
                .orElse(null);
        KeyRestrictions.Limits limits = limitsOf(req, KeyRestrictions.Limits.NONE);
        BotActions.AlsoInTransaction also = limits.isNone() ? BotActions.AlsoInTransaction.NOTHING
                : (h, botId) -> restrictions.setForAccount(h, ApiAuth.actor(ctx), botId, limits);
        BotActions.Created created;
        try {
            created = bots.createBot(ApiAuth.actor(ctx), caller, spec, expiry, also);
        } catch (BotRules.Refused refused) {
            throw ApiError.badRequest(refused.zulipMessage());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("user_id", created.bot().id());
        body.put("api_key", created.apiKey());
        body.put("avatar_url", site + created.bot().avatarPath());
        body.put("default_sending_stream", null);
        body.put("default_events_register_stream", null);
        body.put("default_all_public_streams", false);
        body.put(EXPIRES_AT, expiryOf(created.bot().id()));
        body.putAll(KeyLimitsInput.asJson(limits));
        ctx.header("Cache-Control", "no-store");
        ctx.json(req.success(body));
    }

    /**
     * Zulip's PATCH /bots/{bot_id}. bot_owner_id, service_payload_url and service_interface are
     * JSON-encoded. The answer has every field Zulip's has, with the bot's values after the change.
     */
    private void update(Context ctx) {
        User caller = ApiAuth.caller(ctx);
        Bot bot = manageable(caller, ctx.pathParam("bot_id"));
        ApiRequest req = ApiRequest.of(ctx);
        String fullName = req.optional("full_name").orElse(null);
        List<Long> owners = req.jsonInt("bot_owner_id").map(List::of).orElse(null);
        String payloadUrl = req.jsonString("service_payload_url").orElse(null);
        BotInterface botInterface = req.jsonInt("service_interface").map(BotApiRoutes::botInterface).orElse(null);
        if (payloadUrl != null && bot.type() != BotType.OUTGOING_WEBHOOK) {
            throw ApiError.badRequest("This bot has no outgoing webhook service.");
        }
        BotActions.Changes changes = new BotActions.Changes(fullName, payloadUrl, botInterface, uploadedAvatar(ctx), owners);
        BotActions.KeyExpiry expiry = req.optional(EXPIRES_AT).map(raw -> new BotActions.KeyExpiry(KeyLifetimes.expiry(raw)))
                .orElse(null);
        Optional<com.fasterxml.jackson.databind.JsonNode> scope = req.jsonValue(KeyLimitsInput.SCOPE);
        Optional<com.fasterxml.jackson.databind.JsonNode> ranges = req.jsonValue(KeyLimitsInput.RANGES);
        Optional<com.fasterxml.jackson.databind.JsonNode> metadata = req.jsonValue(KeyLimitsInput.METADATA);
        boolean limitsSent = scope.isPresent() || ranges.isPresent() || metadata.isPresent();
        // The current limits are read in the change's transaction, so a part not sent keeps its latest value.
        BotActions.AlsoInTransaction also = !limitsSent ? BotActions.AlsoInTransaction.NOTHING
                : (h, botId) -> restrictions.setForAccount(h, ApiAuth.actor(ctx), botId,
                        KeyLimitsInput.merge(restrictionQueries.ofAccount(h, botId), scope, ranges, metadata));
        Bot updated;
        try {
            updated = bots.updateBot(ApiAuth.actor(ctx), bot.id(), changes, expiry, also);
        } catch (BotRules.Refused refused) {
            // Zulip's check_url names the parameter it checked: here service_payload_url.
            throw ApiError.badRequest(BotRules.PAYLOAD_URL.equals(refused.field())
                    ? "service_" + refused.zulipMessage() : refused.zulipMessage());
        }
        BotQueries.Details details = queries.details(List.of(updated));
        Optional<BotService> service = details.service(updated.id());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("full_name", updated.fullName());
        body.put("avatar_url", site + updated.avatarPath());
        body.put("service_interface", service.map(BotService::interfaceType).orElse(BotInterface.ZULIP.code()));
        body.put("service_payload_url", service.map(BotService::payloadUrl).orElse(null));
        body.put("config_data", null);
        body.put("default_sending_stream", null);
        body.put("default_events_register_stream", null);
        body.put("default_all_public_streams", false);
        String owner = details.primaryOwnerEmail(updated.id());
        if (owner != null) body.put("bot_owner", owner);
        body.put(EXPIRES_AT, expiryOf(updated.id()));
        body.putAll(KeyLimitsInput.asJson(restrictionQueries.ofAccount(updated.id())));
        ctx.json(req.success(body));
    }

    /** The limits a request sends (scope, address_ranges, metadata, each JSON-encoded), over {@code current}. */
    private static KeyRestrictions.Limits limitsOf(ApiRequest req, KeyRestrictions.Limits current) {
        return KeyLimitsInput.merge(current, req.jsonValue(KeyLimitsInput.SCOPE), req.jsonValue(KeyLimitsInput.RANGES),
                req.jsonValue(KeyLimitsInput.METADATA));
    }

    private static BotType botType(long code) {
        return BotType.fromCode((int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, code)))
                .orElseThrow(() -> ApiError.badRequest("Invalid bot type"));
    }

    private static BotInterface botInterface(long code) {
        return BotInterface.fromCode((int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, code)))
                .orElseThrow(() -> ApiError.badRequest("Invalid interface type"));
    }

    private void deactivate(Context ctx) {
        User caller = ApiAuth.caller(ctx);
        Bot bot = manageable(caller, ctx.pathParam("bot_id"));
        ApiRequest req = ApiRequest.of(ctx);
        bots.deactivate(ApiAuth.actor(ctx), bot.id());
        ctx.json(req.success(Map.of()));
    }

    private void apiKey(Context ctx) {
        User caller = ApiAuth.caller(ctx);
        Bot bot = manageable(caller, ctx.pathParam("bot_id"));
        ApiRequest req = ApiRequest.of(ctx);
        String key = bots.revealKey(ApiAuth.actor(ctx), bot.id(), "GET /bots/{bot_id}/api_key");
        ctx.header("Cache-Control", "no-store");
        ctx.json(req.success(Map.of("api_key", key)));
    }

    private void regenerate(Context ctx) {
        User caller = ApiAuth.caller(ctx);
        Bot bot = manageable(caller, ctx.pathParam("bot_id"));
        ApiRequest req = ApiRequest.of(ctx);
        java.time.Duration grace = KeyLifetimes.grace(req.jsonInt("grace_period").orElse(0L));
        ApiKeyActions.Replaced replaced = bots.regenerateKey(ApiAuth.actor(ctx), bot.id(), grace);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("api_key", replaced.apiKey());
        body.put("old_key_works_until", replaced.oldKeyWorksUntil() == null ? null : replaced.oldKeyWorksUntil().toString());
        body.put(EXPIRES_AT, expiryOf(bot.id()));
        ctx.header("Cache-Control", "no-store");
        ctx.json(req.success(body));
    }

    /** The key's expiry as the API writes it, or null for none. */
    private String expiryOf(long botId) {
        Instant at = keyQueries.expiries(List.of(botId)).get(botId);
        return at == null ? null : at.toString();
    }

    private static byte[] uploadedAvatar(Context ctx) {
        if (!ctx.isMultipartFormData() || !ApiRequest.hasFormParts(ctx)) return null;
        List<UploadedFile> files = ctx.uploadedFiles();
        if (files.isEmpty()) return null;
        if (files.size() > 1) throw new InvalidInputException("You may only upload one file at a time");
        return BotForms.readAll(files.get(0));
    }
}
