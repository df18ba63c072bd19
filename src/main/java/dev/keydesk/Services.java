package dev.keydesk;

import dev.keydesk.account.AccountActions;
import dev.keydesk.account.PasswordResetDao;
import dev.keydesk.api.ApiDescriptionRoutes;
import dev.keydesk.apikey.ApiAuth;
import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.apikey.ApiKeyAuthenticator;
import dev.keydesk.apikey.ApiKeyDao;
import dev.keydesk.apikey.KeyCache;
import dev.keydesk.apikey.KeyDeadlines;
import dev.keydesk.apikey.KeyUsage;
import dev.keydesk.avatar.AvatarDao;
import dev.keydesk.avatar.AvatarRoutes;
import dev.keydesk.bot.BotActions;
import dev.keydesk.bot.BotDao;
import dev.keydesk.bot.BotKeyEvents;
import dev.keydesk.config.Settings;
import dev.keydesk.db.ChangeListener;
import dev.keydesk.db.Database;
import dev.keydesk.db.SqlObjectDescriptions;
import dev.keydesk.digest.KeyDigest;
import dev.keydesk.device.DeviceDao;
import dev.keydesk.factor.SecondFactorActions;
import dev.keydesk.devicegrant.DeviceGrantActions;
import dev.keydesk.guard.GuardActions;
import dev.keydesk.guard.GuardDao;
import dev.keydesk.guard.KeyRestrictionActions;
import dev.keydesk.guard.ServiceRegistry;
import dev.keydesk.metrics.Metrics;
import dev.keydesk.mail.MailDeliverer;
import dev.keydesk.organization.OrganizationDao;
import dev.keydesk.organization.OrganizationName;
import dev.keydesk.outbox.Outbox;
import dev.keydesk.outbox.OutboxDao;
import dev.keydesk.outbox.OutboxQueries;
import dev.keydesk.outbox.OutboxSender;
import dev.keydesk.people.PeopleActions;
import dev.keydesk.people.PeopleDao;
import dev.keydesk.ratelimit.ClientBucket;
import dev.keydesk.retention.Retention;
import dev.keydesk.security.KeyCipher;
import dev.keydesk.security.MasterKey;
import dev.keydesk.session.SessionDao;
import dev.keydesk.session.SessionStore;
import dev.keydesk.session.WebSession;
import dev.keydesk.usage.UsageCounter;
import dev.keydesk.setup.OrganizationActions;
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
 * The composition root: the platform every feature shares, then each feature's wiring in the
 * order they depend on each other (keys, accounts, guarded services, bots, what administrators
 * run over everyone). A new feature adds its wiring class and a line here. It owns the background
 * workers too (key-change listener, key-usage writer, deadlines, outbox sender, retention):
 * {@link #startWorkers()} starts them all and {@link #close()} stops them and the database.
 */
public final class Services implements AutoCloseable {
    private final Platform platform;
    private final KeyWiring keys;
    private final AccountWiring accounts;
    private final GuardWiring guard;
    private final BotWiring bots;
    private final PeopleWiring people;
    private final DeviceGrantWiring deviceGrants;
    private final SsoWiring sso;
    private final UsageWiring usage;
    private final ChangeListener changeListener;
    private final OutboxSender outboxSender;
    private final Retention retention;
    private final KeyDigest keyDigest;

    /** Every SQL object type, described once for all handles (see {@link SqlObjectDescriptions}). */
    static final List<Class<?>> SQL_OBJECT_TYPES = List.of(ApiKeyDao.class, AvatarDao.class, BotDao.class, DeviceDao.class,
            GuardDao.class, OrganizationDao.class, OutboxDao.class, PasswordResetDao.class, PeopleDao.class, SessionDao.class,
            UserDao.class);

    private Services(Settings settings, Tuning tuning, Database database, KeyCipher cipher, Metrics metrics) {
        Jdbi jdbi = database.jdbi();
        SqlObjectDescriptions.describe(jdbi, SQL_OBJECT_TYPES);
        // The sender is built below, once every kind of work it carries out exists.
        Outbox outbox = new Outbox(this::wakeOutboxSender);
        KeyCache keyCache = new KeyCache(metrics.registry());
        // Which client a request counts as, for every per-client limit (an IPv6 /64 by default).
        ClientBucket clients = new ClientBucket(settings.ipv6RateLimitPrefix());
        platform = new Platform(settings, tuning, database, cipher, metrics, keyCache, new KeyUsage(jdbi, tuning.clock()),
                new UsageCounter(jdbi, tuning.clock()), outbox, clients, new WebhookTargets(settings.webhooksAllowPrivate()));
        // However a bot's key gets replaced (its page, the API, the Keys page, the command line, a
        // leak report), retired or nears its expiry, its webhook (and for expiry, its owners) hears of it.
        BotKeyEvents botKeyEvents = new BotKeyEvents(outbox, settings.site(), tuning.clock());
        keys = new KeyWiring(platform, botKeyEvents, botKeyEvents::keyLeaked);
        accounts = new AccountWiring(platform, keys);
        guard = new GuardWiring(platform, keys);
        OutboxQueries outboxQueries = new OutboxQueries(jdbi);
        outboxQueries.registerGauges(metrics.registry());
        bots = new BotWiring(platform, keys, accounts, guard, outboxQueries, botKeyEvents);
        people = new PeopleWiring(platform, keys, accounts, guard, bots);
        deviceGrants = new DeviceGrantWiring(platform, keys, accounts, guard);
        sso = new SsoWiring(platform, keys, accounts);
        usage = new UsageWiring(platform);
        changeListener = new ChangeListener(database.dataSource(),
                Map.of(KeyCache.CHANNEL, keyCache, ServiceRegistry.CHANNEL, guard.registry), database.availability());
        outboxSender = new OutboxSender(jdbi, Map.of(
                Outbox.EMAIL, new MailDeliverer(settings.smtp()),
                Outbox.WEBHOOK, new WebhookDeliverer(platform.webhookTargets(), cipher, tuning.clock()),
                Outbox.LEAK_REPORT, keys.leakReports),
                tuning.backoff(), tuning.clock());
        retention = new Retention(jdbi, retentionPolicy(settings, tuning), database.availability(), tuning.clock());
        keyDigest = new KeyDigest(jdbi, tuning.clock(), outbox, settings.site(), tuning.weeklyDigestCheckEvery());
    }

    private void wakeOutboxSender() {
        outboxSender.wake();
    }

    private static Retention.Policy retentionPolicy(Settings settings, Tuning tuning) {
        Duration longestWindow = Collections.max(List.of(tuning.loginLimits().window(), tuning.resetLimits().window()));
        return new Retention.Policy(longestWindow, SessionStore.IDLE_EXPIRY,
                Duration.ofDays(settings.retention().outboxDays()),
                Optional.ofNullable(settings.retention().auditDays()).map(Duration::ofDays),
                Duration.ofDays(settings.retention().revokedDeviceKeyDays()),
                Duration.ofDays(settings.retention().usageDays()));
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
        keys.deadlines.start();
        keyDigest.start();
        guard.rateLimitExchange.start();
        platform.usageCounter().start();
    }

    /** Stops every worker, then the database. */
    @Override
    public void close() {
        // Each step runs even if one before it fails: the database must stop in any case.
        try {
            retention.close();
            keyDigest.close();
            guard.rateLimitExchange.close();
            changeListener.close();
            accounts.close();
        } finally {
            try {
                outboxSender.close();
            } finally {
                try {
                    keys.deadlines.close();
                    platform.keyUsage().close();
                    platform.usageCounter().close();
                } finally {
                    platform.database().close();
                }
            }
        }
    }

    /** Every feature's pages and API endpoints. */
    void register(RoutesConfig routes) {
        keys.register(routes);
        accounts.register(routes);
        guard.register(routes);
        bots.register(routes);
        people.register(routes);
        deviceGrants.register(routes);
        sso.register(routes);
        usage.register(routes);
        new ApiDescriptionRoutes().register(routes);
        new AvatarRoutes(platform.jdbi()).register(routes);
    }

    public Metrics metrics() {
        return platform.metrics();
    }

    public GuardActions guard() {
        return guard.actions;
    }

    public KeyRestrictionActions keyRestrictions() {
        return guard.restrictions;
    }

    ApiAuth apiAuth() {
        return keys.apiAuth;
    }

    WebSession webSession() {
        return accounts.webSession;
    }

    public SecondFactorActions secondFactors() {
        return accounts.factors;
    }

    Database database() {
        return platform.database();
    }

    public Settings settings() {
        return platform.settings();
    }

    public KeyCache keyCache() {
        return platform.keyCache();
    }

    public ApiKeyAuthenticator authenticator() {
        return keys.authenticator;
    }

    public ApiKeyActions apiKeys() {
        return keys.actions;
    }

    public AccountActions accounts() {
        return accounts.actions;
    }

    public OrganizationActions organizations() {
        return accounts.organizations;
    }

    public OrganizationName organizationName() {
        return accounts.organizationName;
    }

    public BotActions bots() {
        return bots.actions;
    }

    public UserQueries userQueries() {
        return accounts.userQueries;
    }

    public PeopleActions people() {
        return people.actions;
    }

    public DeviceGrantActions deviceGrants() {
        return deviceGrants.actions;
    }

    public Retention retention() {
        return retention;
    }

    public KeyDigest keyDigest() {
        return keyDigest;
    }

    public KeyDeadlines keyDeadlines() {
        return keys.deadlines;
    }

    public OutboxSender outboxSender() {
        return outboxSender;
    }

    public UsageCounter usageCounter() {
        return platform.usageCounter();
    }
}
