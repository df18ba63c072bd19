package dev.keydesk;

import dev.keydesk.account.LoginRoutes;
import dev.keydesk.config.Settings;
import dev.keydesk.sso.OidcClient;
import dev.keydesk.sso.SignInSettingsRoutes;
import dev.keydesk.sso.SsoActions;
import dev.keydesk.sso.SsoRoutes;
import io.javalin.config.RoutesConfig;

/**
 * Single sign-on through the organization's OpenID Connect provider, and the owners' switch for
 * password sign-in. Nothing is registered without a provider: the routes then answer 404.
 */
final class SsoWiring {
    private final Platform platform;
    private final AccountWiring accounts;
    private final OidcClient client;
    private final SsoActions actions;

    SsoWiring(Platform platform, KeyWiring keys, AccountWiring accounts) {
        this.platform = platform;
        this.accounts = accounts;
        Settings.Oidc oidc = platform.settings().oidc();
        client = oidc == null ? null : new OidcClient(oidc, platform.settings().oidcRedirectUri(), platform.clock());
        actions = oidc == null ? null : new SsoActions(platform.jdbi(), oidc, keys.actions, platform.keyCache());
    }

    void register(RoutesConfig routes) {
        // The owners' page is always there (their navigation links to it); without a provider it says how to add one.
        new SignInSettingsRoutes(accounts.passwordLogin, client != null).register(routes);
        if (client == null) return;
        new SsoRoutes(client, actions, accounts.webSession, platform.settings().secureCookies(), LoginRoutes::safeNext,
                accounts.reauthentication, accounts.factors, accounts.pendingSignIns).register(routes);
    }
}
