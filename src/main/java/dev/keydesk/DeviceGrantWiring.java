package dev.keydesk;

import dev.keydesk.devicegrant.DeviceGrantActions;
import dev.keydesk.devicegrant.DeviceGrantApiRoutes;
import dev.keydesk.devicegrant.DeviceGrantRoutes;
import dev.keydesk.ratelimit.RequestRateLimiter;
import io.javalin.config.RoutesConfig;

/**
 * The device login (OAuth 2.0 device authorization grant): the client's two endpoints and the
 * /device page where a signed-in person approves it. Keys are issued through the key wiring's
 * actions, so a device signed in this way is a device like any other.
 */
final class DeviceGrantWiring {
    final DeviceGrantActions actions;
    private final Platform platform;

    private final AccountWiring accounts;

    private final GuardWiring guard;

    DeviceGrantWiring(Platform platform, KeyWiring keys, AccountWiring accounts, GuardWiring guard) {
        this.platform = platform;
        this.accounts = accounts;
        this.guard = guard;
        actions = new DeviceGrantActions(platform.jdbi(), keys.actions, guard.restrictions, platform.clock());
    }

    void register(RoutesConfig routes) {
        new DeviceGrantApiRoutes(actions, new RequestRateLimiter(platform.jdbi(), "device-authorization",
                DeviceGrantApiRoutes.LIMIT, platform.clients()), platform.site()).register(routes);
        new DeviceGrantRoutes(actions, new RequestRateLimiter(platform.jdbi(), "device-code",
                DeviceGrantRoutes.LIMIT, platform.clients()), platform.clock(),
                accounts.reauthentication, guard.restrictionQueries).register(routes);
    }
}
