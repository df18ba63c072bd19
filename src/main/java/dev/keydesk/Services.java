package dev.keydesk;

import dev.keydesk.account.AccountRoutes;
import dev.keydesk.api.ApiAuth;
import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.apikey.ApiKeyApiRoutes;
import dev.keydesk.apikey.ApiKeyAuthenticator;
import dev.keydesk.apikey.KeyCache;
import dev.keydesk.apikey.KeyCipher;
import dev.keydesk.apikey.KeyUsage;
import dev.keydesk.apikey.MasterKey;
import dev.keydesk.avatar.AvatarRoutes;
import dev.keydesk.bot.BotAccess;
import dev.keydesk.bot.BotActions;
import dev.keydesk.bot.BotApiRoutes;
import dev.keydesk.bot.BotQueries;
import dev.keydesk.bot.BotRoutes;
import dev.keydesk.bot.BotKeyEvents;
import dev.keydesk.config.Settings;
import dev.keydesk.device.DeviceActions;
import dev.keydesk.mail.MailDeliverer;
import dev.keydesk.outbox.Outbox;
import dev.keydesk.outbox.OutboxSender;
import dev.keydesk.passwordreset.PasswordResetActions;
import dev.keydesk.passwordreset.PasswordResetRoutes;
import dev.keydesk.webhook.WebhookDeliverer;
import dev.keydesk.webhook.WebhookTargets;
import java.util.Map;
import dev.keydesk.audit.AuditRoutes;
import dev.keydesk.db.Database;
import dev.keydesk.people.InvitationRoutes;
import dev.keydesk.people.PeopleActions;
import dev.keydesk.people.PeopleApiRoutes;
import dev.keydesk.people.PeopleRoutes;
import dev.keydesk.keys.KeysRoutes;
import dev.keydesk.organization.OrganizationActions;
import dev.keydesk.organization.ServerSettingsApiRoutes;
import dev.keydesk.organization.SetupRoutes;
import dev.keydesk.ratelimit.PasswordRateLimiter;
import dev.keydesk.session.LoginRoutes;
import dev.keydesk.session.Reauthentication;
import dev.keydesk.session.SessionStore;
import dev.keydesk.user.PasswordCheck;
import dev.keydesk.user.PasswordHasher;
import dev.keydesk.user.UserActions;
import dev.keydesk.user.UserApiRoutes;
import dev.keydesk.web.WebSession;
import io.javalin.config.RoutesConfig;
import org.jdbi.v3.core.Jdbi;

/** The application's services, built once over one database; shared by the server and the command line. */
public record Services(
        Settings settings,
        Jdbi jdbi,
        KeyCache keyCache,
        KeyUsage keyUsage,
        ApiKeyAuthenticator authenticator,
        ApiKeyActions apiKeys,
        UserActions users,
        OrganizationActions organizations,
        PasswordCheck passwords,
        SessionStore sessions,
        WebSession webSession,
        BotAccess botAccess,
        BotActions bots,
        BotQueries botQueries,
        PeopleActions people,
        DeviceActions devices,
        PasswordResetActions passwordResets,
        Outbox outbox,
        OutboxSender outboxSender) {

    public record Opened(Database database, Services services) {}

    /** Opens the database, checks the master key against it and builds every service. */
    public static Opened open(Settings settings, Tuning tuning) {
        KeyCipher cipher = new KeyCipher(MasterKey.loadOrCreate(settings.masterKeyFile()));
        Database database = Database.open(settings);
        try {
            Jdbi jdbi = database.jdbi();
            cipher.verifyAgainst(jdbi);
            KeyCache cache = new KeyCache();
            PasswordHasher hasher = new PasswordHasher();
            ApiKeyActions apiKeys = new ApiKeyActions(jdbi, cipher, cache);
            UserActions users = new UserActions(jdbi, hasher, apiKeys, cache);
            SessionStore sessions = new SessionStore(jdbi);
            Outbox outbox = new Outbox();
            OutboxSender sender = new OutboxSender(jdbi, Map.of(
                    Outbox.EMAIL, new MailDeliverer(settings.smtp()),
                    Outbox.WEBHOOK, new WebhookDeliverer(new WebhookTargets(settings.webhooksAllowPrivate()), cipher)),
                    tuning.backoff());
            outbox.onQueued(sender::wake);
            String site = settings.site();
            BotActions bots = new BotActions(jdbi, apiKeys, cipher, cache, new BotKeyEvents(outbox),
                    settings.externalUrl().getHost());
            KeyUsage usage = new KeyUsage(jdbi);
            Services services = new Services(settings, jdbi, cache, usage, new ApiKeyAuthenticator(jdbi, cache, usage), apiKeys, users,
                    new OrganizationActions(jdbi, users),
                    new PasswordCheck(jdbi, hasher, new PasswordRateLimiter(jdbi, tuning.loginLimits(), "login")),
                    sessions, new WebSession(sessions, jdbi, settings.secureCookies()),
                    new BotAccess(jdbi), bots, new BotQueries(jdbi, cipher),
                    new PeopleActions(jdbi, users, apiKeys, bots, outbox, site),
                    new DeviceActions(jdbi, apiKeys, outbox, site),
                    new PasswordResetActions(jdbi, hasher, new PasswordRateLimiter(jdbi, tuning.resetLimits(), "reset"),
                            apiKeys, outbox, site),
                    outbox, sender);
            return new Opened(database, services);
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    /** Every feature's pages and API endpoints. */
    void register(RoutesConfig routes) {
        ApiAuth apiAuth = new ApiAuth(authenticator);
        String site = settings.site();
        new LoginRoutes(passwords, webSession).register(routes);
        new SetupRoutes(organizations, webSession).register(routes);
        new AccountRoutes(jdbi, apiKeys, users, new Reauthentication(jdbi, passwords), passwords, site).register(routes);
        new ApiKeyApiRoutes(jdbi, apiAuth, passwords, apiKeys, devices, settings.devMode()).register(routes);
        new PasswordResetRoutes(passwordResets).register(routes);
        new UserApiRoutes(jdbi, apiAuth, site).register(routes);
        new ServerSettingsApiRoutes(organizations, site, settings.devMode()).register(routes);
        new AvatarRoutes(jdbi).register(routes);
        new BotRoutes(jdbi, botAccess, bots, botQueries, site, settings.externalUrl().getHost()).register(routes);
        new BotApiRoutes(jdbi, apiAuth, botAccess, bots, botQueries, people, site).register(routes);
        new KeysRoutes(jdbi, bots, botQueries).register(routes);
        new PeopleRoutes(jdbi, people, site).register(routes);
        new InvitationRoutes(people, webSession).register(routes);
        new PeopleApiRoutes(jdbi, apiAuth, people).register(routes);
        new AuditRoutes(jdbi).register(routes);
    }
}
