package dev.keydesk;

import dev.keydesk.guard.ForwardAuthRoutes;
import dev.keydesk.guard.GuardActions;
import dev.keydesk.guard.GuardApiRoutes;
import dev.keydesk.guard.KeyRestrictionActions;
import dev.keydesk.guard.KeyRestrictionQueries;
import dev.keydesk.guard.KeyVerifier;
import dev.keydesk.guard.OwnKeyLimitsRoutes;
import dev.keydesk.guard.RateLimitExchange;
import dev.keydesk.guard.RateLimits;
import dev.keydesk.guard.ServiceQueries;
import dev.keydesk.guard.ServiceRegistry;
import dev.keydesk.guard.ServicesRoutes;
import dev.keydesk.guard.VerificationMetrics;
import dev.keydesk.guard.VerifyApiRoutes;
import io.javalin.config.RoutesConfig;
import java.time.Duration;

/** The organization's other services that keys open: the Services page, forward-auth and the verify API. */
final class GuardWiring {
    final ServiceRegistry registry;
    final GuardActions actions;
    final ServiceQueries queries;
    final KeyVerifier verifier;
    /** Shares each key's rate limit with the other Keydesk processes; a worker started with the others. */
    final RateLimitExchange rateLimitExchange;
    final KeyRestrictionActions restrictions;
    final KeyRestrictionQueries restrictionQueries;
    private final Platform platform;

    GuardWiring(Platform platform, KeyWiring keys) {
        this.platform = platform;
        registry = new ServiceRegistry(platform.jdbi());
        actions = new GuardActions(platform.jdbi(), registry);
        queries = new ServiceQueries(platform.jdbi());
        restrictions = new KeyRestrictionActions(platform.jdbi(), platform.keyCache());
        restrictionQueries = new KeyRestrictionQueries(platform.jdbi());
        RateLimits rateLimits = new RateLimits(platform.clock()::millis, Duration.ofMinutes(1), Duration.ofMillis(250));
        rateLimitExchange = new RateLimitExchange(platform.jdbi(), rateLimits, Duration.ofMillis(100));
        verifier = new KeyVerifier(registry, keys.authenticator, rateLimits, platform.keyUseCounter());
    }

    void register(RoutesConfig routes) {
        VerificationMetrics verificationMetrics = new VerificationMetrics(platform.metrics().registry());
        new ForwardAuthRoutes(verifier, verificationMetrics).register(routes);
        new VerifyApiRoutes(verifier, verificationMetrics).register(routes);
        new ServicesRoutes(actions, queries, platform.site()).register(routes);
        new GuardApiRoutes(actions, queries).register(routes);
        new OwnKeyLimitsRoutes(platform.jdbi(), restrictions, restrictionQueries).register(routes);
    }
}
