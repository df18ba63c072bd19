package dev.keydesk.support;

import dev.keydesk.Keydesk;
import dev.keydesk.Services;
import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.audit.Actor;
import dev.keydesk.bot.Bot;
import dev.keydesk.bot.BotActions;
import dev.keydesk.bot.BotDao;
import dev.keydesk.bot.BotInterface;
import dev.keydesk.bot.BotType;
import dev.keydesk.guard.Access;
import dev.keydesk.guard.GuardActions;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Accounts, bots, keys, invitations and guarded services made through the same actions the
 * product uses, on the shared primary server. Changes made from the command line carry its actor;
 * those only an administrator may make carry the administrator given.
 */
public final class Fixtures {
    public static final String PASSWORD = "correct horse battery";

    private Fixtures() {}

    private static Services services() {
        return TestKeydesk.get().primary().services();
    }

    private static Actor admin(User admin) {
        return Actor.user(admin.id(), "127.0.0.1");
    }

    // Accounts

    /** Creates the organization (if needed) and an account with {@link #PASSWORD}. */
    public static User user(String email, String fullName, Role role) {
        return services().organizations().createUserFromCommandLine("Test Org", email, fullName, role, PASSWORD).user();
    }

    public static User member(String email) {
        return user(email, "Member " + email, Role.MEMBER);
    }

    public static void deactivate(User user) {
        services().accounts().deactivate(Actor.commandLine(), user.id());
    }

    public static void reactivate(User user) {
        services().accounts().reactivate(Actor.commandLine(), user.id());
    }

    /** Deactivates a person as an administrator does, with the bots nobody active would own any more. */
    public static void deactivatePerson(User admin, long personId) {
        services().people().deactivate(admin(admin), personId);
    }

    /** Invites a member as this administrator; returns the invitation's secret token. */
    public static String invite(User admin, String email) {
        return services().people().invite(admin(admin), email, Role.MEMBER);
    }

    /** A token for the setup page, while no organization exists. */
    public static String setupToken() {
        return services().organizations().issueSetupToken().orElseThrow();
    }

    // Keys

    /** The user's (or bot's) current key, read the way the product reads it (this writes an audit row). */
    public static String keyOf(User user) {
        return keyOf(user.id());
    }

    public static String keyOf(long userId) {
        return services().apiKeys().revealKey(Actor.commandLine(), userId, "test");
    }

    /** Replaces the user's key; returns the new one. */
    public static String regenerateKey(User user) {
        return services().apiKeys().regenerateKey(Actor.commandLine(), user.id());
    }

    /** A key of a device of the user's own, as fetch_api_key issues it (without a password check). */
    public static String deviceKey(User user, String client, String userAgent, String ip) {
        return services().apiKeys().issueToDevice(user, client, userAgent, ip, "fetch_api_key").orElseThrow();
    }

    // Bots

    /** A generic bot, its short name made from its name. */
    public static BotActions.Created bot(User owner, String name) {
        return newBot(name).createdBy(owner);
    }

    /** A generic bot. */
    public static BotActions.Created bot(User owner, String name, String shortName) {
        return newBot(name).shortName(shortName).createdBy(owner);
    }

    /** An outgoing webhook bot calling {@code payloadUrl}. */
    public static BotActions.Created webhookBot(User owner, String name, String shortName, String payloadUrl) {
        return newBot(name).shortName(shortName).webhook(payloadUrl).createdBy(owner);
    }

    /** A bot described further before {@link NewBot#createdBy} makes it: by default generic, owned by its creator. */
    public static NewBot newBot(String name) {
        return new NewBot(name);
    }

    /** What "Add a new bot" would be given. */
    public static final class NewBot {
        private final String name;
        private String shortName;
        private BotType type = BotType.GENERIC;
        private String payloadUrl;
        private List<Long> owners = List.of();
        private Keydesk server;

        private NewBot(String name) {
            this.name = name;
        }

        /** Without one, the short name is made from the name. */
        public NewBot shortName(String shortName) {
            this.shortName = shortName;
            return this;
        }

        public NewBot type(BotType type) {
            this.type = type;
            return this;
        }

        /** The payload URL, kept only for an outgoing webhook bot. */
        public NewBot payloadUrl(String payloadUrl) {
            this.payloadUrl = payloadUrl;
            return this;
        }

        /** An outgoing webhook bot calling this URL. */
        public NewBot webhook(String payloadUrl) {
            return type(BotType.OUTGOING_WEBHOOK).payloadUrl(payloadUrl);
        }

        /** The bot's owners instead of its creator alone. */
        public NewBot owners(User... owners) {
            this.owners = Arrays.stream(owners).map(User::id).toList();
            return this;
        }

        /** Made on this server rather than the shared primary one. */
        public NewBot on(Keydesk server) {
            this.server = server;
            return this;
        }

        public BotActions.Created createdBy(User creator) {
            Services services = server == null ? services() : server.services();
            return services.bots().createBot(Actor.commandLine(), creator,
                    new BotActions.NewBot(name, shortName, type, payloadUrl, BotInterface.ZULIP, null, owners));
        }
    }

    /** The bot as stored now. */
    public static Optional<Bot> findBot(long botId) {
        return TestKeydesk.get().primary().database().jdbi().withExtension(BotDao.class, dao -> dao.find(botId));
    }

    /** The bot's e-mail, key and (for an outgoing webhook bot) token; this writes an audit row. */
    public static BotActions.Credentials botCredentials(Bot bot) {
        return services().bots().credentials(Actor.commandLine(), bot, "test");
    }

    /** Replaces the bot's key; returns the new one. */
    public static String regenerateBotKey(long botId) {
        return services().bots().regenerateKey(Actor.commandLine(), botId);
    }

    /** Replaces the bot's key; the old one keeps working for {@code grace}. */
    public static ApiKeyActions.Replaced regenerateBotKey(long botId, Duration grace) {
        return services().bots().regenerateKey(Actor.commandLine(), botId, grace);
    }

    public static void setBotKeyExpiry(long botId, Instant at) {
        services().bots().setKeyExpiry(Actor.commandLine(), botId, at);
    }

    public static void deactivateBot(long botId) {
        services().bots().deactivate(Actor.commandLine(), botId);
    }

    public static void reactivateBot(long botId) {
        services().bots().reactivate(Actor.commandLine(), botId);
    }

    public static void deleteBot(long botId) {
        services().bots().delete(Actor.commandLine(), botId);
    }

    // Guarded services

    /** Registers a guarded service without a description or rate limit; the result holds its token. */
    public static GuardActions.Registered service(String name, Access access) {
        return service(name, "", access, null);
    }

    public static GuardActions.Registered service(String name, String description, Access access, Integer rateLimitPerMinute) {
        return services().guard().register(Actor.commandLine(),
                new GuardActions.Spec(name, description, access, rateLimitPerMinute));
    }

    /** Admits the user (or bot) to a service whose access is chosen. */
    public static void addToService(long serviceId, long userId) {
        services().guard().addMember(Actor.commandLine(), serviceId, userId);
    }

    // Database

    /** A device login that {@code person} approved on /device; returns the device code its client polls with. */
    public static String approvedDeviceLogin(User person, String client) {
        var started = services().deviceGrants().request(client, null, "127.0.0.1");
        services().deviceGrants().decide(Actor.user(person.id(), "127.0.0.1"), person.id(), started.userCode(), true);
        return started.deviceCode();
    }

    public static long count(String sql) {
        return TestKeydesk.get().primary().database().jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    public static List<String> auditEvents(long targetUserId) {
        return TestKeydesk.get().primary().database().jdbi().withHandle(h -> h.createQuery(
                        "SELECT event_type FROM audit_log WHERE target_user_id = :id ORDER BY id")
                .bind("id", targetUserId).mapTo(String.class).list());
    }

    /**
     * Adds {@code count} presentations of key {@code keyId} to the hour holding {@code at}, as the
     * usage counter would (service 0: Keydesk's API; outcome as stored, "allowed", "rate_limited").
     */
    public static void usage(long keyId, java.time.Instant at, long serviceId, String outcome, long count) {
        TestKeydesk.get().primary().database().jdbi().useHandle(h -> h.createUpdate("""
                        INSERT INTO key_usage_hourly (key_id, hour, service_id, outcome, count)
                        VALUES (:key, date_trunc('hour', CAST(:at AS timestamptz)), :service, :outcome, :count)
                        ON CONFLICT (key_id, hour, service_id, outcome) DO UPDATE SET count = key_usage_hourly.count + EXCLUDED.count""")
                .bind("key", keyId).bind("at", at).bind("service", serviceId).bind("outcome", outcome).bind("count", count)
                .execute());
        // And its daily sums, as the counter writes them in the same transaction.
        TestKeydesk.get().primary().database().jdbi().useHandle(h -> {
            h.createUpdate("""
                            INSERT INTO key_usage_daily (key_id, day, service_id, outcome, count)
                            VALUES (:key, (CAST(:at AS timestamptz) AT TIME ZONE 'UTC')::date, :service, :outcome, :count)
                            ON CONFLICT (key_id, day, service_id, outcome) DO UPDATE SET count = key_usage_daily.count + EXCLUDED.count""")
                    .bind("key", keyId).bind("at", at).bind("service", serviceId).bind("outcome", outcome).bind("count", count)
                    .execute();
            h.createUpdate("""
                            INSERT INTO usage_daily (day, service_id, outcome, count)
                            VALUES ((CAST(:at AS timestamptz) AT TIME ZONE 'UTC')::date, :service, :outcome, :count)
                            ON CONFLICT (day, service_id, outcome) DO UPDATE SET count = usage_daily.count + EXCLUDED.count""")
                    .bind("at", at).bind("service", serviceId).bind("outcome", outcome).bind("count", count).execute();
        });
    }

    public static void execute(String sql) {
        TestKeydesk.get().primary().database().jdbi().useHandle(h -> h.execute(sql));
    }

    /**
     * Rebuilds the daily usage sums from the hourly rows, for tests that write hourly rows directly
     * (the counter writes both at once).
     */
    public static void rollUpUsage() {
        execute("""
                DELETE FROM key_usage_daily;
                DELETE FROM usage_daily;
                INSERT INTO key_usage_daily (key_id, day, service_id, outcome, count)
                SELECT key_id, (hour AT TIME ZONE 'UTC')::date, service_id, outcome, sum(count)
                FROM key_usage_hourly GROUP BY 1, 2, 3, 4;
                INSERT INTO usage_daily (day, service_id, outcome, count)
                SELECT (hour AT TIME ZONE 'UTC')::date, service_id, outcome, sum(count)
                FROM key_usage_hourly GROUP BY 1, 2, 3""");
    }
}
