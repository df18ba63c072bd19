package dev.keydesk;

import dev.keydesk.bot.AccountChoicesRoutes;
import dev.keydesk.bot.BotAccess;
import dev.keydesk.bot.BotActions;
import dev.keydesk.bot.BotApiRoutes;
import dev.keydesk.bot.BotKeyEvents;
import dev.keydesk.bot.BotPageQueries;
import dev.keydesk.bot.BotKeyLimitsRoutes;
import dev.keydesk.bot.BotQueries;
import dev.keydesk.bot.BotRoutes;
import dev.keydesk.outbox.OutboxQueries;
import dev.keydesk.usage.UsageQueries;
import dev.keydesk.ratelimit.RequestRateLimiter;
import io.javalin.config.RoutesConfig;

/** Bots: Your bots, a bot's page and the bots API, with the account picker their forms share. */
final class BotWiring {
    final BotAccess access;
    final BotActions actions;
    final BotQueries queries;
    private final Platform platform;
    private final KeyWiring keys;
    private final AccountWiring accounts;
    private final GuardWiring guard;
    private final OutboxQueries outboxQueries;

    BotWiring(Platform platform, KeyWiring keys, AccountWiring accounts, GuardWiring guard, OutboxQueries outboxQueries,
              BotKeyEvents keyEvents) {
        this.platform = platform;
        this.keys = keys;
        this.accounts = accounts;
        this.guard = guard;
        this.outboxQueries = outboxQueries;
        access = new BotAccess(platform.jdbi());
        // A Webhook URL is checked when it is entered, as its calls will be checked.
        actions = new BotActions(platform.jdbi(), keys.actions, platform.cipher(), platform.keyCache(), keyEvents,
                platform.webhookTargets()::problemWith, platform.settings().externalUrl().getHost());
        queries = new BotQueries(platform.jdbi());
    }

    void register(RoutesConfig routes) {
        BotPageQueries pages = new BotPageQueries(queries, access, accounts.userQueries, outboxQueries, guard.queries,
                keys.queries, keys.actions, new UsageQueries(platform.jdbi()), platform.clock());
        new BotRoutes(platform.jdbi(), access, actions, queries, pages, platform.site(),
                platform.settings().externalUrl().getHost(), accounts.reauthentication).register(routes);
        new AccountChoicesRoutes(pages, new RequestRateLimiter(platform.jdbi(), "account-choices", AccountChoicesRoutes.LIMIT,
                platform.clients())).register(routes);
        new BotKeyLimitsRoutes(access, guard.restrictions, guard.restrictionQueries).register(routes);
        new BotApiRoutes(platform.jdbi(), access, actions, queries, keys.actions, keys.queries, platform.site(), guard.restrictions,
                guard.restrictionQueries).register(routes);
    }
}
