package dev.keydesk.account;

import dev.keydesk.api.ApiRequest;
import dev.keydesk.apikey.ApiAuth;
import dev.keydesk.apikey.KeyOwner;
import dev.keydesk.user.User;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/** GET /api/v1/users/me: the profile of whoever the key belongs to, answered from the loaded caller. */
public final class AccountApiRoutes {
    private final ApiAuth auth;
    private final String site;

    public AccountApiRoutes(ApiAuth auth, String site) {
        this.auth = auth;
        this.site = site;
    }

    public void register(RoutesConfig routes) {
        routes.get("/api/v1/users/me", this::me);
    }

    private void me(Context ctx) {
        KeyOwner owner = auth.requireKey(ctx);
        ApiRequest req = ApiRequest.of(ctx);
        User user = owner.user();
        Map<String, Object> profile = new LinkedHashMap<>();
        profile.put("user_id", user.id());
        profile.put("email", user.email());
        profile.put("delivery_email", user.email());
        profile.put("full_name", user.fullName());
        profile.put("role", user.role());
        profile.put("is_owner", user.isOwner());
        profile.put("is_admin", user.isAdmin());
        profile.put("is_guest", user.isGuest());
        profile.put("is_bot", user.isBot());
        profile.put("is_active", user.isActive());
        profile.put("avatar_url", site + user.avatarPath());
        profile.put("date_joined", user.dateJoined().toString());
        profile.put("timezone", user.timezone());
        if (user.isBot()) {
            profile.put("bot_type", user.botType());
            if (owner.botOwnerId() != null) profile.put("bot_owner_id", owner.botOwnerId());
        }
        ctx.json(req.success(profile));
    }
}
