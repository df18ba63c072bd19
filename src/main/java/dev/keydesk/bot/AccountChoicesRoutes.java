package dev.keydesk.bot;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.ratelimit.RequestRateLimiter;
import dev.keydesk.session.WebSession;
import dev.keydesk.user.User;
import dev.keydesk.web.WebError;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.Map;

/**
 * {@code GET /account-choices}: the people an owner picker's script offers as the search is typed.
 * Members may manage a bot's owners, so anyone signed in may ask, but a member finds only whom they
 * may pick ({@link BotPageQueries#peopleFor}), and each account's searches are limited in number.
 */
public final class AccountChoicesRoutes {
    /** Generous for typing (the script waits for a pause), tight for a script walking the alphabet. */
    public static final RequestRateLimiter.Limit LIMIT = new RequestRateLimiter.Limit(60, Duration.ofMinutes(1));

    private final BotPageQueries pages;
    private final RequestRateLimiter limiter;

    public AccountChoicesRoutes(BotPageQueries pages, RequestRateLimiter limiter) {
        this.pages = pages;
        this.limiter = limiter;
    }

    public void register(RoutesConfig routes) {
        routes.get("/account-choices", this::choices, RouteAccess.SIGNED_IN);
    }

    private void choices(Context ctx) {
        User viewer = WebSession.caller(ctx);
        if (viewer.isGuest()) throw new WebError(403, "Guests cannot choose the owners of a bot.");
        ctx.header("Cache-Control", "no-store");
        var wait = limiter.attemptBy(viewer.id());
        if (wait.isPresent()) {
            ctx.header("Retry-After", Long.toString(Math.max(1, wait.get().toSeconds())));
            ctx.status(429).json(Map.of("msg", "Too many searches in a short time. Wait a minute, then try again."));
            return;
        }
        String q = ctx.queryParam("q") == null ? "" : ctx.queryParam("q");
        ctx.json(AccountPicker.choices(pages.peopleFor(viewer), q.length() > 100 ? q.substring(0, 100) : q));
    }
}
