package dev.keydesk;

import dev.keydesk.account.AccountActions;
import dev.keydesk.account.AccountApiRoutes;
import dev.keydesk.account.PasswordResetDao;
import dev.keydesk.api.ApiDescriptionRoutes;
import dev.keydesk.account.AccountRoutes;
import dev.keydesk.account.NextSteps;
import dev.keydesk.account.LoginRoutes;
import dev.keydesk.account.PasswordResetActions;
import dev.keydesk.account.PasswordResetRoutes;
import dev.keydesk.account.Reauthentication;
import dev.keydesk.apikey.ApiAuth;
import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.apikey.ApiKeyApiRoutes;
import dev.keydesk.apikey.ApiKeyAuthenticator;
import dev.keydesk.apikey.ApiKeyDao;
import dev.keydesk.apikey.ApiKeyQueries;
import dev.keydesk.apikey.KeyCache;
import dev.keydesk.apikey.KeyDeadlines;
import dev.keydesk.apikey.KeyUsage;
import dev.keydesk.audit.AuditRoutes;
import dev.keydesk.avatar.AvatarDao;
import dev.keydesk.avatar.AvatarRoutes;
import dev.keydesk.bot.BotAccess;
import dev.keydesk.bot.BotActions;
import dev.keydesk.bot.BotApiRoutes;
import dev.keydesk.bot.BotDao;
import dev.keydesk.bot.BotKeyEvents;
import dev.keydesk.bot.BotQueries;
import dev.keydesk.bot.BotRoutes;
import dev.keydesk.config.Settings;
import dev.keydesk.db.ChangeListener;
import dev.keydesk.db.Database;
import dev.keydesk.db.SqlObjectDescriptions;
import dev.keydesk.device.DeviceDao;
import dev.keydesk.guard.ForwardAuthRoutes;
import dev.keydesk.guard.GuardActions;
import dev.keydesk.guard.GuardApiRoutes;
import dev.keydesk.guard.GuardDao;
import dev.keydesk.guard.KeyVerifier;
import dev.keydesk.guard.RateLimitExchange;
import dev.keydesk.guard.RateLimits;
import dev.keydesk.guard.ServiceQueries;
import dev.keydesk.guard.ServiceRegistry;
import dev.keydesk.guard.ServicesRoutes;
import dev.keydesk.guard.VerificationMetrics;
import dev.keydesk.guard.VerifyApiRoutes;
import dev.keydesk.keyconsole.KeyLookupRoutes;
import dev.keydesk.keyconsole.KeysRoutes;
import dev.keydesk.leak.KeyLookupApiRoutes;
import dev.keydesk.leak.LeakReportRoutes;
import dev.keydesk.leak.LeakReports;
import dev.keydesk.metrics.Metrics;
import dev.keydesk.mail.MailDeliverer;
import dev.keydesk.organization.OrganizationDao;
import dev.keydesk.organization.OrganizationName;
import dev.keydesk.organization.ServerSettingsApiRoutes;
import dev.keydesk.outbox.Outbox;
import dev.keydesk.outbox.OutboxDao;
import dev.keydesk.outbox.OutboxQueries;
import dev.keydesk.outbox.OutboxSender;
import dev.keydesk.people.InvitationRoutes;
import dev.keydesk.people.PeopleActions;
import dev.keydesk.people.PeopleApiRoutes;
import dev.keydesk.people.PeopleDao;
import dev.keydesk.people.PeopleRoutes;
import dev.keydesk.ratelimit.AuthFailureLimiter;
import dev.keydesk.ratelimit.ClientBucket;
import dev.keydesk.ratelimit.PasswordRateLimiter;
import dev.keydesk.ratelimit.RequestRateLimiter;
import dev.keydesk.retention.Retention;
import dev.keydesk.security.KeyCipher;
import dev.keydesk.security.MasterKey;
import dev.keydesk.session.SessionDao;
import dev.keydesk.session.SessionStore;
import dev.keydesk.session.WebSession;
import dev.keydesk.setup.OrganizationActions;
import dev.keydesk.setup.SetupRoutes;
import dev.keydesk.user.PasswordCheck;
import dev.keydesk.user.PasswordHasher;
import dev.keydesk.user.UserDao;
import dev.keydesk.user.UserQueries;
import dev.keydesk.webhook.WebhookDeliverer;
import dev.keydesk.webhook.WebhookTargets;
import io.javalin.config.RoutesConfig;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The composition root: every service built once, through constructors, over one database.
 * It owns the background workers too (key-change listener, key-usage writer, outbox sender):
 * {@link #startWorkers()} starts them all and {@link #close()} stops them and the database.
 * The server and the command line use it; neither reaches past the actions it exposes.
 */
public final class Services implements AutoCloseable {
    private final Settings settings;
    private final Database database;
    private final KeyCache keyCache;
    private final KeyUsage keyUsage;
    private final KeyDeadlines keyDeadlines;
    private final java.time.Clock clock;
    private final ChangeListener changeListener;
    private final OutboxSender outboxSender;
    private final PasswordHasher hasher;
    private final ApiKeyAuthenticator authenticator;
    private final ApiKeyActions apiKeys;
    private final ApiKeyQueries apiKeyQueries;
    private final LeakReports leakReports;
    private final AccountActions accounts;
    private final OrganizationActions organizations;
    private final OrganizationName organizationName;
    private final PasswordCheck passwords;
    private final WebSession webSession;
    private final BotAccess botAccess;
    private final BotActions bots;
    private final BotQueries botQueries;
    private final PeopleActions people;
    private final PasswordResetActions passwordResets;
    private final UserQueries userQueries;
    private final OutboxQueries outboxQueries;
    private final Metrics metrics;
    private final ServiceRegistry serviceRegistry;
    private final GuardActions guardActions;
    private final KeyVerifier keyVerifier;
    private final AuthFailureLimiter apiKeyFailures;
    private final ApiAuth apiAuth;
    private final Retention retention;
    private final RateLimitExchange rateLimitExchange;

    /** Every SQL object type, described once for all handles (see {@link SqlObjectDescriptions}). */
    static final List<Class<?>> SQL_OBJECT_TYPES = List.of(ApiKeyDao.class, AvatarDao.class, BotDao.class, DeviceDao.class,
            GuardDao.class, OrganizationDao.class, OutboxDao.class, PasswordResetDao.class, PeopleDao.class, SessionDao.class,
            UserDao.class);

    private Services(Settings settings, Tuning tuning, Database database, KeyCipher cipher, Metrics metrics) {
        this.settings = settings;
        this.database = database;
        this.metrics = metrics;
        Jdbi jdbi = database.jdbi();
        SqlObjectDescriptions.describe(jdbi, SQL_OBJECT_TYPES);
        String site = settings.site();
        clock = tuning.clock();
        keyCache = new KeyCache(metrics.registry());
        keyUsage = new KeyUsage(jdbi, tuning.clock());
        serviceRegistry = new ServiceRegistry(jdbi);
        changeListener = new ChangeListener(database.dataSource(),
                Map.of(KeyCache.CHANNEL, keyCache, ServiceRegistry.CHANNEL, serviceRegistry), database.availability());
        WebhookTargets webhookTargets = new WebhookTargets(settings.webhooksAllowPrivate());
        // The sender is built below, once every kind of work it carries out exists.
        Outbox outbox = new Outbox(this::wakeOutboxSender);
        // However a bot's key gets replaced (its page, the API, the Keys page, the command line, a
        // leak report), retired or nears its expiry, its webhook (and for expiry, its owners) hears of it.
        BotKeyEvents botKeyEvents = new BotKeyEvents(outbox, site, clock);
        authenticator = new ApiKeyAuthenticator(jdbi, keyCache, keyUsage, metrics.registry(), tuning.clock());
        apiKeys = new ApiKeyActions(jdbi, cipher, keyCache, outbox, site, botKeyEvents, botKeyEvents::keyLeaked,
                tuning.clock());
        keyDeadlines = new KeyDeadlines(jdbi, tuning.clock(), botKeyEvents, tuning.keyDeadlineCheckEvery());
        leakReports = new LeakReports(jdbi, outbox, apiKeys);
        outboxSender = new OutboxSender(jdbi, Map.of(
                Outbox.EMAIL, new MailDeliverer(settings.smtp()),
                Outbox.WEBHOOK, new WebhookDeliverer(webhookTargets, cipher, clock),
                Outbox.LEAK_REPORT, leakReports),
                tuning.backoff(), clock);
        apiKeyQueries = new ApiKeyQueries(jdbi, tuning.clock());
        hasher = PasswordHasher.onThreads(Runtime.getRuntime().availableProcessors());
        accounts = new AccountActions(jdbi, hasher, apiKeys, keyCache);
        // Which client a request counts as, for every per-client limit (an IPv6 /64 by default).
        ClientBucket clients = new ClientBucket(settings.ipv6RateLimitPrefix());
        organizationName = new OrganizationName(jdbi);
        organizations = new OrganizationActions(jdbi, accounts, organizationName);
        passwords = new PasswordCheck(jdbi, hasher, new PasswordRateLimiter(jdbi, tuning.loginLimits(), "login", clients));
        webSession = new WebSession(new SessionStore(jdbi, clock), jdbi, settings.secureCookies());
        botAccess = new BotAccess(jdbi);
        // A Webhook URL is checked when it is entered, as its calls will be checked.
        bots = new BotActions(jdbi, apiKeys, cipher, keyCache, botKeyEvents, webhookTargets::problemWith,
                settings.externalUrl().getHost());
        botQueries = new BotQueries(jdbi);
        people = new PeopleActions(jdbi, accounts, apiKeys, bots, outbox, keyCache, site, clock);
        passwordResets = new PasswordResetActions(jdbi, accounts,
                new PasswordRateLimiter(jdbi, tuning.resetLimits(), "reset", clients), apiKeys, outbox, site, clock);
        userQueries = new UserQueries(jdbi);
        outboxQueries = new OutboxQueries(jdbi);
        outboxQueries.registerGauges(metrics.registry());
        guardActions = new GuardActions(jdbi, serviceRegistry);
        retention = new Retention(jdbi, retentionPolicy(settings, tuning), database.availability(), clock);
        apiKeyFailures = new AuthFailureLimiter(tuning.apiKeyFailures(), clients, System::currentTimeMillis);
        apiAuth = new ApiAuth(authenticator, apiKeyFailures);
        RateLimits rateLimits = new RateLimits(tuning.clock()::millis, Duration.ofMinutes(1), Duration.ofMillis(250));
        rateLimitExchange = new RateLimitExchange(jdbi, rateLimits, Duration.ofMillis(100));
        keyVerifier = new KeyVerifier(serviceRegistry, authenticator, rateLimits);
    }

    private void wakeOutboxSender() {
        outboxSender.wake();
    }

    private static Retention.Policy retentionPolicy(Settings settings, Tuning tuning) {
        Duration longestWindow = Collections.max(List.of(tuning.loginLimits().window(), tuning.resetLimits().window()));
        return new Retention.Policy(longestWindow, SessionStore.IDLE_EXPIRY,
                Duration.ofDays(settings.retention().outboxDays()),
                Optional.ofNullable(settings.retention().auditDays()).map(Duration::ofDays));
    }

    /** Opens the database, checks the master key against it and builds every service; no worker runs yet. */
    public static Services open(Settings settings, Tuning tuning) {
        KeyCipher cipher = new KeyCipher(MasterKey.loadOrCreate(settings.masterKeyFile()));
        Metrics metrics = new Metrics();
        Database database = Database.open(settings, metrics.registry());
        try {
            cipher.verifyAgainst(database.jdbi());
            return new Services(settings, tuning, database, cipher, metrics);
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    /** Starts the background workers a serving process needs. */
    void startWorkers() {
        changeListener.start();
        outboxSender.start();
        retention.start();
        keyDeadlines.start();
        rateLimitExchange.start();
    }

    /** Stops every worker, then the database. */
    @Override
    public void close() {
        // Each step runs even if one before it fails: the database must stop in any case.
        try {
            retention.close();
            rateLimitExchange.close();
            changeListener.close();
            hasher.close();
        } finally {
            try {
                outboxSender.close();
            } finally {
                try {
                    keyDeadlines.close();
                    keyUsage.close();
                } finally {
                    database.close();
                }
            }
        }
    }

    /** Every feature's pages and API endpoints. */
    void register(RoutesConfig routes) {
        ClientBucket clients = new ClientBucket(settings.ipv6RateLimitPrefix());
        Jdbi jdbi = database.jdbi();
        String site = settings.site();
        new LoginRoutes(passwords, webSession).register(routes);
        new SetupRoutes(organizations, webSession).register(routes);
        new AccountRoutes(apiKeys, apiKeyQueries, accounts, new Reauthentication(jdbi, passwords, clock), passwords,
                new NextSteps(jdbi), site)
                .register(routes);
        new AccountApiRoutes(site).register(routes);
        new ApiKeyApiRoutes(passwords, apiKeys, userQueries, settings.devMode()).register(routes);
        new PasswordResetRoutes(passwordResets).register(routes);
        new ServerSettingsApiRoutes(organizationName, site, settings.devMode()).register(routes);
        new ApiDescriptionRoutes().register(routes);
        new AvatarRoutes(jdbi).register(routes);
        ServiceQueries serviceQueries = new ServiceQueries(jdbi);
        new BotRoutes(botAccess, bots, botQueries, userQueries, outboxQueries, serviceQueries, apiKeyQueries, apiKeys,
                clock, site, settings.externalUrl().getHost(),
                new RequestRateLimiter(jdbi, "account-choices", BotRoutes.CHOICES_LIMIT, clients)).register(routes);
        new BotApiRoutes(botAccess, bots, botQueries, apiKeys, apiKeyQueries, site).register(routes);
        new KeysRoutes(jdbi, bots, botQueries, userQueries, guardActions, serviceQueries, apiKeys, apiKeyQueries, clock).register(routes);
        new KeyLookupRoutes(apiKeys, apiKeyQueries, bots, people, userQueries).register(routes);
        new PeopleRoutes(jdbi, people, site, clock).register(routes);
        new InvitationRoutes(people, webSession).register(routes);
        new PeopleApiRoutes(people, botAccess, bots, userQueries).register(routes);
        new AuditRoutes(jdbi, clock).register(routes);
        VerificationMetrics verificationMetrics = new VerificationMetrics(metrics.registry());
        new ForwardAuthRoutes(keyVerifier, verificationMetrics).register(routes);
        new VerifyApiRoutes(keyVerifier, verificationMetrics).register(routes);
        new ServicesRoutes(guardActions, serviceQueries, site).register(routes);
        new GuardApiRoutes(guardActions, serviceQueries).register(routes);
        new LeakReportRoutes(leakReports, new RequestRateLimiter(jdbi, "leak-report", LeakReportRoutes.LIMIT, clients))
                .register(routes);
        new KeyLookupApiRoutes(apiKeys).register(routes);
    }

    public Metrics metrics() {
        return metrics;
    }

    public GuardActions guard() {
        return guardActions;
    }

    ApiAuth apiAuth() {
        return apiAuth;
    }

    WebSession webSession() {
        return webSession;
    }

    Database database() {
        return database;
    }

    public Settings settings() {
        return settings;
    }

    public KeyCache keyCache() {
        return keyCache;
    }

    public ApiKeyAuthenticator authenticator() {
        return authenticator;
    }

    public ApiKeyActions apiKeys() {
        return apiKeys;
    }

    public AccountActions accounts() {
        return accounts;
    }

    public OrganizationActions organizations() {
        return organizations;
    }

    public OrganizationName organizationName() {
        return organizationName;
    }

    public BotActions bots() {
        return bots;
    }

    public BotQueries botQueries() {
        return botQueries;
    }

    public UserQueries userQueries() {
        return userQueries;
    }

    public PeopleActions people() {
        return people;
    }

    public Retention retention() {
        return retention;
    }

    public KeyDeadlines keyDeadlines() {
        return keyDeadlines;
    }

    public OutboxSender outboxSender() {
        return outboxSender;
    }
}
