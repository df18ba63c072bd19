package dev.keydesk.user;

import dev.keydesk.api.ApiAuth;
import dev.keydesk.api.ApiRequest;
import dev.keydesk.apikey.KeyOwner;
import dev.keydesk.bot.BotDao;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/** GET /api/v1/users/me: the profile of whoever the key belongs to. */
public final class UserApiRoutes {
    private final Jdbi jdbi;
    private final ApiAuth auth;
    private final String site;

    public UserApiRoutes(Jdbi jdbi, ApiAuth auth, String site) {
        this.jdbi = jdbi;
        this.auth = auth;
        this.site = site;
    }

    public void register(RoutesConfig routes) {
        routes.get("/api/v1/users/me", this::me);
    }

    private void me(Context ctx) {
        KeyOwner owner = auth.require(ctx);
        ApiRequest req = ApiRequest.of(ctx);
        User user = jdbi.withExtension(UserDao.class, dao -> dao.findById(owner.userId())).orElseThrow();
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
            jdbi.withExtension(BotDao.class, dao -> dao.primaryOwnerId(user.id()))
                    .ifPresent(ownerId -> profile.put("bot_owner_id", ownerId));
        }
        ctx.json(req.success(profile));
    }
}
