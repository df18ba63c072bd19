package dev.keydesk.avatar;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.api.PathIds;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.NotFoundResponse;
import org.jdbi.v3.core.Jdbi;

/**
 * GET /avatar/{user_id}: the account's PNG avatar. Public, like Zulip's avatar URLs, since
 * clients fetch them without credentials; the ?v= version in the URL lets them be cached.
 */
public final class AvatarRoutes {
    private final Jdbi jdbi;
    /** Drawn identicons, so a page listing many bots does not redraw them on every visit. */
    private final Cache<Long, byte[]> identicons = Caffeine.newBuilder().maximumSize(10_000).build();

    public AvatarRoutes(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public void register(RoutesConfig routes) {
        routes.get("/avatar/{user_id}", this::avatar, RouteAccess.ANONYMOUS);
    }

    private void avatar(Context ctx) {
        long userId = PathIds.parse(ctx.pathParam("user_id"), "There is no page at this address.");
        byte[] png = jdbi.withExtension(AvatarDao.class, dao -> {
            if (!dao.userExists(userId)) throw new NotFoundResponse();
            return dao.find(userId).orElseGet(() -> identicons.get(userId, id -> AvatarImages.identicon("user-" + id)));
        });
        ctx.header("Cache-Control", "public, max-age=86400");
        ctx.contentType("image/png").result(png);
    }

}
