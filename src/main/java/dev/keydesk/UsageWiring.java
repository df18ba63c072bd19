package dev.keydesk;

import dev.keydesk.usage.UsageQueries;
import dev.keydesk.usage.UsageRoutes;
import io.javalin.config.RoutesConfig;

/** Key usage: the Usage page, its CSV and the usage API. The counting itself is part of the platform. */
final class UsageWiring {
    final UsageQueries queries;
    private final Platform platform;

    UsageWiring(Platform platform) {
        this.platform = platform;
        queries = new UsageQueries(platform.jdbi());
    }

    void register(RoutesConfig routes) {
        new UsageRoutes(platform.jdbi(), queries, platform.clock()).register(routes);
    }
}
