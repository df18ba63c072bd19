package dev.keydesk;

import dev.keydesk.audit.AuditRoutes;
import dev.keydesk.keyconsole.KeyConsoleActions;
import dev.keydesk.keyconsole.KeyLookupRoutes;
import dev.keydesk.keyconsole.KeysConsoleQueries;
import dev.keydesk.keyconsole.KeysRoutes;
import dev.keydesk.people.InvitationRoutes;
import dev.keydesk.people.PeopleActions;
import dev.keydesk.people.PeopleApiRoutes;
import dev.keydesk.people.PeopleRoutes;
import io.javalin.config.RoutesConfig;

/**
 * What administrators run over everyone: the Users page and invitations, the Keys console with
 * Find a key, and the Audit log.
 */
final class PeopleWiring {
    final PeopleActions actions;
    private final Platform platform;
    private final KeyWiring keys;
    private final AccountWiring accounts;
    private final GuardWiring guard;
    private final BotWiring bots;

    PeopleWiring(Platform platform, KeyWiring keys, AccountWiring accounts, GuardWiring guard, BotWiring bots) {
        this.platform = platform;
        this.keys = keys;
        this.accounts = accounts;
        this.guard = guard;
        this.bots = bots;
        actions = new PeopleActions(platform.jdbi(), accounts.actions, keys.actions, bots.actions, platform.outbox(),
                platform.keyCache(), platform.site(), platform.clock());
    }

    void register(RoutesConfig routes) {
        new PeopleRoutes(platform.jdbi(), actions, platform.site(), platform.clock()).register(routes);
        new InvitationRoutes(actions, accounts.webSession).register(routes);
        new PeopleApiRoutes(actions, bots.access, bots.actions, accounts.userQueries).register(routes);
        new KeysRoutes(platform.jdbi(), new KeysConsoleQueries(platform.jdbi(), bots.queries, accounts.userQueries, guard.queries,
                keys.actions, keys.queries, platform.clock()), new KeyConsoleActions(bots.actions, guard.actions, guard.restrictions),
                bots.actions, keys.actions, accounts.reauthentication).register(routes);
        new KeyLookupRoutes(keys.actions, keys.queries, bots.actions, actions, accounts.userQueries,
                accounts.reauthentication).register(routes);
        new AuditRoutes(platform.jdbi(), platform.clock()).register(routes);
    }
}
