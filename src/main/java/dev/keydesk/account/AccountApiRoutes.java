package dev.keydesk.account;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.api.ApiRequest;
import dev.keydesk.apikey.ApiAuth;
import dev.keydesk.apikey.KeyOwner;
import dev.keydesk.user.User;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/** GET /api/v1/users/me: the profile of whoever the key belongs to, answered from the loaded caller. */
public final class AccountApiRoutes {
    private final String site;

    public AccountApiRoutes(String site) {
        this.site = site;
    }

    public void register(RoutesConfig routes) {
        routes.get("/api/v1/users/me", this::me, RouteAccess.API_KEY);
    }

    /**
     * Every field a Zulip server always sends for one's own profile, with values Keydesk can
     * answer honestly: no billing (is_billing_admin false), no custom profile fields
     * (profile_data empty), no messages (max_message_id -1, Zulip's value for "none").
     */
    private void me(Context ctx) {
        KeyOwner owner = ApiAuth.key(ctx);
        ApiRequest req = ApiRequest.of(ctx);
        User user = owner.user();
        Map<String, Object> profile = new LinkedHashMap<>();
        profile.put("email", user.email());
        profile.put("user_id", user.id());
        profile.put("avatar_version", user.avatarVersion());
        profile.put("is_admin", user.isAdmin());
        profile.put("is_owner", user.isOwner());
        profile.put("is_guest", user.isGuest());
        profile.put("is_billing_admin", false);
        profile.put("role", user.role());
        profile.put("is_bot", user.isBot());
        profile.put("full_name", user.fullName());
        profile.put("timezone", user.timezone());
        profile.put("is_active", user.isActive());
        profile.put("date_joined", ZULIP_DATE.format(user.dateJoined().atOffset(ZoneOffset.UTC)));
        profile.put("delivery_email", user.email());
        profile.put("avatar_url", site + user.avatarPath());
        if (user.isBot()) {
            profile.put("bot_type", user.botType());
            profile.put("bot_owner_id", owner.botOwnerId());
        } else {
            profile.put("profile_data", Map.of());
        }
        profile.put("max_message_id", -1);
        ctx.json(req.success(profile));
    }

    /** Python's isoformat(timespec="minutes") for an aware UTC time, as Zulip writes date_joined. */
    private static final DateTimeFormatter ZULIP_DATE = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mmxxx");
}
