package dev.keydesk;

import dev.keydesk.apikey.ApiAuth;
import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.apikey.ApiKeyAuthenticator;
import dev.keydesk.apikey.ApiKeyQueries;

import dev.keydesk.apikey.KeyDeadlines;
import dev.keydesk.apikey.KeyEventListener;
import dev.keydesk.leak.KeyLookupApiRoutes;
import dev.keydesk.leak.LeakReportRoutes;
import dev.keydesk.leak.LeakReports;
import dev.keydesk.ratelimit.AuthFailureLimiter;
import dev.keydesk.ratelimit.RequestRateLimiter;
import io.javalin.config.RoutesConfig;

/** API keys and leaked keys: issuing, checking and replacing keys, their deadlines, and the leak report endpoint. */
final class KeyWiring {
    final ApiKeyAuthenticator authenticator;
    final ApiKeyActions actions;
    final ApiKeyQueries queries;
    final KeyDeadlines deadlines;
    final LeakReports leakReports;
    final ApiAuth apiAuth;
    private final Platform platform;

    KeyWiring(Platform platform, KeyEventListener keyEvents, ApiKeyActions.BotKeyLeakedListener keyLeaked) {
        this.platform = platform;
        authenticator = new ApiKeyAuthenticator(platform.jdbi(), platform.keyCache(), platform.keyUsage(),
                platform.metrics().registry(), platform.clock());
        actions = new ApiKeyActions(platform.jdbi(), platform.cipher(), platform.keyCache(), platform.outbox(), platform.site(),
                keyEvents, keyLeaked, platform.clock());
        deadlines = new KeyDeadlines(platform.jdbi(), platform.clock(), keyEvents, platform.tuning().keyDeadlineCheckEvery());
        leakReports = new LeakReports(platform.jdbi(), platform.outbox(), actions);
        queries = new ApiKeyQueries(platform.jdbi(), platform.clock());
        apiAuth = new ApiAuth(authenticator,
                new AuthFailureLimiter(platform.tuning().apiKeyFailures(), platform.clients(), platform.clock()::millis), platform.keyUseCounter());
    }

    void register(RoutesConfig routes) {
        new LeakReportRoutes(leakReports,
                new RequestRateLimiter(platform.jdbi(), "leak-report", LeakReportRoutes.LIMIT, platform.clients())).register(routes);
        new KeyLookupApiRoutes(actions).register(routes);
    }
}
