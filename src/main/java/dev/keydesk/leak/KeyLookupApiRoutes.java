package dev.keydesk.leak;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.api.ApiRequest;
import dev.keydesk.apikey.ApiAuth;
import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.apikey.FoundKey;
import dev.keydesk.apikey.KeyLookup;
import dev.keydesk.audit.Actor;
import dev.keydesk.audit.AuditEntry;
import dev.keydesk.device.Device;
import dev.keydesk.user.User;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code POST /api/v1/keys/lookup} (administrators): whose key is this, of what kind, in what
 * state, and what the audit log says about it. The key goes in the body only; the answer never
 * repeats it.
 */
public final class KeyLookupApiRoutes {
    private final ApiKeyActions apiKeys;

    public KeyLookupApiRoutes(ApiKeyActions apiKeys) {
        this.apiKeys = apiKeys;
    }

    public void register(RoutesConfig routes) {
        routes.post("/api/v1/keys/lookup", this::lookUp, RouteAccess.API_ADMIN);
    }

    private void lookUp(Context ctx) {
        User admin = ApiAuth.caller(ctx);
        ApiRequest req = ApiRequest.of(ctx);
        String key = req.requiredSecret("key").strip();
        Optional<KeyLookup.Report> found = apiKeys.lookUp(Actor.api(admin.id(), ctx.ip()), key);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("found", found.isPresent());
        found.ifPresent(report -> {
            FoundKey k = report.key();
            Map<String, Object> about = new LinkedHashMap<>();
            about.put("key_id", k.keyId());
            about.put("kind", k.kind().wireName());
            about.put("created_at", iso(k.createdAt()));
            about.put("last_used_at", iso(k.lastUsedAt()));
            about.put("revoked_at", iso(k.revokedAt()));
            fields.put("key", about);
            Map<String, Object> account = new LinkedHashMap<>();
            account.put("user_id", k.userId());
            account.put("email", k.email());
            account.put("full_name", k.fullName());
            account.put("is_bot", k.isBot());
            account.put("is_active", k.accountActive());
            account.put("bot_owners", report.botOwners());
            fields.put("account", account);
            fields.put("devices", report.devices().stream().map(KeyLookupApiRoutes::device).toList());
            fields.put("audit", report.auditEntries().stream().map(KeyLookupApiRoutes::entry).toList());
        });
        ctx.json(req.success(fields));
    }

    private static Map<String, Object> device(Device d) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("client", d.client());
        out.put("ip", d.ip());
        out.put("first_seen_at", iso(d.issuedAt()));
        out.put("last_seen_at", iso(d.lastUsedAt()));
        return out;
    }

    private static Map<String, Object> entry(AuditEntry e) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", e.id());
        out.put("event", e.eventType());
        out.put("actor", e.actorLabel());
        out.put("ip", e.ip());
        out.put("created_at", iso(e.createdAt()));
        return out;
    }

    private static String iso(Instant when) {
        return when == null ? null : when.toString();
    }
}
