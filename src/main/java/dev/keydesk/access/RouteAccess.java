package dev.keydesk.access;

import io.javalin.security.RouteRole;

/**
 * Who may call a route: every route is registered with exactly one of these
 * ({@code routes.get(path, handler, RouteAccess.ADMIN)}), and one check before any handler runs
 * enforces it ({@code AccessCheck} in the composition root). A route registered without one is
 * refused at startup. The handler then reads the caller the check loaded
 * ({@code WebSession.caller(ctx)} for pages, {@code ApiAuth.caller(ctx)} for the API) and checks
 * only what depends on the data (may this person manage this bot?).
 */
public enum RouteAccess implements RouteRole {
    /** Anyone, signed in or not: the login and setup pages, health, static files, public API endpoints. */
    ANONYMOUS,
    /** A person signed in to a browser session; anyone else is sent to the login page. */
    SIGNED_IN,
    /** A signed-in administrator or owner; other people get a 403 page. */
    ADMIN,
    /** A signed-in owner of the organization; other people get a 403 page. */
    OWNER,
    /** Any valid API key (Basic email:key), Zulip's answers for anything else. */
    API_KEY,
    /** An API key of a person who is a member, moderator, administrator or owner (no guest, no bot). */
    API_MEMBER_OR_ADMIN,
    /** An API key of a person who is an administrator or owner. */
    API_ADMIN,
    /** A reverse proxy or program presenting a guarded service's token: the route's verifier checks it. */
    SERVICE_TOKEN,
    /** Prometheus presenting KEYDESK_METRICS_TOKEN. */
    METRICS_TOKEN;

    /** Roles whose caller is a person with a browser session. */
    public boolean isPage() {
        return this == SIGNED_IN || this == ADMIN || this == OWNER;
    }

    /** Roles whose caller presents an API key. */
    public boolean isApiKey() {
        return this == API_KEY || this == API_MEMBER_OR_ADMIN || this == API_ADMIN;
    }
}
