package dev.keydesk;

import dev.keydesk.account.AccountActions;
import dev.keydesk.account.AccountApiRoutes;
import dev.keydesk.account.AccountRoutes;
import dev.keydesk.account.LoginRoutes;
import dev.keydesk.account.NextSteps;
import dev.keydesk.account.PasswordResetActions;
import dev.keydesk.account.PasswordResetRoutes;
import dev.keydesk.account.Reauthentication;
import dev.keydesk.account.StepUpRoutes;
import dev.keydesk.apikey.ApiKeyApiRoutes;
import dev.keydesk.factor.PasskeyActions;
import dev.keydesk.factor.PendingSignIns;
import dev.keydesk.factor.SecondFactorActions;
import dev.keydesk.factor.SignInSecurityRoutes;
import dev.keydesk.organization.OrganizationName;
import dev.keydesk.organization.PasswordLogin;
import dev.keydesk.organization.ServerSettingsApiRoutes;
import dev.keydesk.ratelimit.PasswordRateLimiter;
import dev.keydesk.session.SessionStore;
import dev.keydesk.session.WebSession;
import dev.keydesk.setup.OrganizationActions;
import dev.keydesk.setup.SetupRoutes;
import dev.keydesk.user.PasswordCheck;
import dev.keydesk.user.PasswordHasher;
import dev.keydesk.user.UserQueries;
import io.javalin.config.RoutesConfig;

/**
 * People's own accounts: signing in and the browser session, the first run, passwords and their
 * reset, Account &amp; privacy, fetching a key with a password, and the organization's name.
 */
final class AccountWiring implements AutoCloseable {
    final PasswordHasher hasher;
    final AccountActions actions;
    final OrganizationName organizationName;
    final OrganizationActions organizations;
    final PasswordCheck passwords;
    final WebSession webSession;
    final PasswordResetActions passwordResets;
    final UserQueries userQueries;
    final SecondFactorActions factors;
    final PasswordLogin passwordLogin;
    /** The proof before keys, which every page that shows or changes one asks through {@link StepUpRoutes}. */
    final Reauthentication reauthentication;
    final PendingSignIns pendingSignIns;
    private final Platform platform;
    private final KeyWiring keys;

    AccountWiring(Platform platform, KeyWiring keys) {
        this.platform = platform;
        this.keys = keys;
        hasher = PasswordHasher.onThreads(Runtime.getRuntime().availableProcessors());
        actions = new AccountActions(platform.jdbi(), hasher, keys.actions, platform.keyCache());
        organizationName = new OrganizationName(platform.jdbi());
        organizations = new OrganizationActions(platform.jdbi(), actions, organizationName);
        passwords = new PasswordCheck(platform.jdbi(), hasher,
                new PasswordRateLimiter(platform.jdbi(), platform.tuning().loginLimits(), "login", platform.clients()));
        webSession = new WebSession(new SessionStore(platform.jdbi(), platform.clock()), platform.jdbi(),
                platform.settings().secureCookies());
        passwordResets = new PasswordResetActions(platform.jdbi(), actions,
                new PasswordRateLimiter(platform.jdbi(), platform.tuning().resetLimits(), "reset", platform.clients()),
                keys.actions, platform.outbox(), platform.site(), platform.clock());
        userQueries = new UserQueries(platform.jdbi());
        // Codes are guessed no faster than passwords: the same limits, counted apart from them.
        factors = new SecondFactorActions(platform.jdbi(), platform.cipher(),
                new PasswordRateLimiter(platform.jdbi(), platform.tuning().loginLimits(), "second-factor", platform.clients()),
                passwords, platform.clock(),
                new PasskeyActions(platform.jdbi(), platform.clock(), passwords, platform.settings().externalUrl()));
        passwordLogin = new PasswordLogin(platform.jdbi());
        reauthentication = new Reauthentication(platform.jdbi(), passwords, factors, platform.clock(),
                platform.settings().oidc() != null);
        pendingSignIns = new PendingSignIns(platform.jdbi(), platform.clock(), platform.settings().secureCookies());
    }

    /**
     * Password sign-in is off only where an owner turned it off and a provider is configured:
     * without one, nobody but owners could sign in at all.
     */
    private boolean passwordLoginEnabled() {
        return platform.settings().oidc() == null || passwordLogin.enabled();
    }

    void register(RoutesConfig routes) {
        String site = platform.site();
        new LoginRoutes(passwords, webSession, factors,
                pendingSignIns,
                this::passwordLoginEnabled,
                platform.settings().oidc() == null ? null : platform.settings().oidc().buttonLabel()).register(routes);
        new SetupRoutes(organizations, webSession).register(routes);
        new AccountRoutes(platform.jdbi(), keys.actions, keys.queries, actions,
                reauthentication,
                passwords, new NextSteps(platform.jdbi()), factors, site,
                new dev.keydesk.usage.UsageQueries(platform.jdbi()), platform.clock()).register(routes);
        new SignInSecurityRoutes(factors).register(routes);
        new StepUpRoutes(reauthentication).register(routes);
        new AccountApiRoutes(site).register(routes);
        new ApiKeyApiRoutes(passwords, keys.actions, userQueries, platform.settings().devMode(),
                this::passwordLoginEnabled).register(routes);
        new PasswordResetRoutes(passwordResets).register(routes);
        new ServerSettingsApiRoutes(organizationName, site, platform.settings().devMode()).register(routes);
    }

    @Override
    public void close() {
        hasher.close();
    }
}
