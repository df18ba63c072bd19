package dev.keydesk.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.audit.Actor;
import dev.keydesk.device.DeviceDao;
import dev.keydesk.security.Tokens;
import dev.keydesk.support.UnitDatabase;
import dev.keydesk.support.UnitServices;
import dev.keydesk.user.Role;
import dev.keydesk.user.UserDao;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A key reported as leaked, acted on by kind ({@link ApiKeyActions#revokeLeaked}) and described by
 * digest ({@link KeyLookup#describe}), inside transactions that are rolled back afterwards.
 */
class LeakedKeyActionsTest {
    private static final LeakNotice WHERE = new LeakNotice("https://github.com/example/repo/blob/main/zuliprc",
            "secret scanning");
    private final UnitServices services = new UnitServices();
    private final ApiKeyActions apiKeys = services.apiKeys();
    private final Actor reporter = Actor.leakReport("198.51.100.7");

    @AfterEach
    void nothingWasCommitted() {
        assertEquals(0, UnitDatabase.committedCount("api_keys"));
        assertEquals(0, UnitDatabase.committedCount("outbox"));
    }

    private static long person(Handle h, String email) {
        return h.attach(UserDao.class).insertHuman(email, "Person " + email, Role.MEMBER.code(), null);
    }

    private static long bot(Handle h, String email, long... owners) {
        long id = h.createUpdate("INSERT INTO users (email, full_name, role, is_bot, bot_type) VALUES (:e, 'Deploy Bot', 400, true, 1)")
                .bind("e", email).executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
        for (long owner : owners) {
            h.execute("INSERT INTO bot_owners (bot_id, owner_id) VALUES (?, ?)", id, owner);
        }
        return id;
    }

    private static List<String> emailsTo(Handle h) {
        return h.createQuery("SELECT payload ->> 'to' FROM outbox WHERE kind = 'email' ORDER BY id").mapTo(String.class).list();
    }

    private static String leakAudit(Handle h, long userId) {
        return h.createQuery("""
                        SELECT (details - 'via' - 'key_id' - 'key_digest')::text FROM audit_log
                        WHERE target_user_id = :id AND event_type = 'api_key_leak_reported'""")
                .bind("id", userId).mapTo(String.class).one();
    }

    private static boolean works(Handle h, String key) {
        return KeyLookup.describe(h, Tokens.sha256(key), Instant.now()).map(k -> k.kind().isCurrent()).orElse(false);
    }

    @Test
    void describingADigestSaysWhoseKeyItIsAndOfWhatKind() {
        UnitDatabase.rolledBack(h -> {
            long person = person(h, "hamlet@zulip.com");
            long bot = bot(h, "deploy-bot@zulip.com", person);
            String old = apiKeys.replaceKey(h, Actor.commandLine(), person);
            String main = apiKeys.replaceKey(h, Actor.commandLine(), person);
            String botKey = apiKeys.replaceKey(h, Actor.commandLine(), bot);

            FoundKey found = KeyLookup.describe(h, Tokens.sha256(main), Instant.now()).orElseThrow();
            assertEquals(FoundKeyKind.MAIN, found.kind());
            assertEquals(person, found.userId());
            assertNull(found.revokedAt());
            assertEquals(FoundKeyKind.BOT, KeyLookup.describe(h, Tokens.sha256(botKey), Instant.now()).orElseThrow().kind());
            FoundKey retired = KeyLookup.describe(h, Tokens.sha256(old), Instant.now()).orElseThrow();
            assertEquals(FoundKeyKind.NOT_CURRENT, retired.kind());
            assertNotNull(retired.revokedAt());
            assertEquals(Optional.empty(), KeyLookup.describe(h, Tokens.sha256(ApiKeyFormat.generate()), Instant.now()));
        });
    }

    @Test
    void aLeakedMainKeyIsReplacedItsDevicesLoggedOutAndItsOwnerEmailed() {
        UnitDatabase.rolledBack(h -> {
            long person = person(h, "hamlet@zulip.com");
            String key = apiKeys.replaceKey(h, Actor.commandLine(), person);
            TestDevices.logIn(h, person, "ZulipMobile", "ZulipMobile/27.1", "192.0.2.1",
                    Tokens.sha256(ApiKeyFormat.generate()));

            Optional<FoundKey> acted = apiKeys.revokeLeaked(h, reporter, Tokens.sha256(key), WHERE);

            assertEquals(FoundKeyKind.MAIN, acted.orElseThrow().kind());
            assertFalse(works(h, key), "the leaked key no longer works");
            assertEquals(1, h.createQuery("SELECT count(*) FROM api_keys WHERE user_id = :id AND revoked_at IS NULL")
                    .bind("id", person).mapTo(Long.class).one(), "a new key replaced it");
            assertEquals(List.of(), h.attach(DeviceDao.class).listForUser(person), "its devices are logged out");
            assertEquals(List.of("hamlet@zulip.com"), emailsTo(h));
            String body = h.createQuery("SELECT payload ->> 'body' FROM outbox WHERE kind = 'email'").mapTo(String.class).one();
            assertTrue(body.contains(WHERE.url()) && body.contains(WHERE.source()), body);
            assertEquals("{\"url\": \"" + WHERE.url() + "\", \"kind\": \"main\", \"source\": \"secret scanning\", "
                    + "\"outcome\": \"replaced\"}", leakAudit(h, person));
            assertEquals(List.of(), services.replacedKeys(), "a leak is not announced as a plain regeneration");
            assertEquals(List.of(), services.leakedBotKeys());
        });
    }

    @Test
    void aLeakedBotKeyIsReplacedItsActiveOwnersEmailedAndItsWebhookTold() {
        UnitDatabase.rolledBack(h -> {
            long owner = person(h, "hamlet@zulip.com");
            long former = person(h, "polonius@zulip.com");
            h.execute("UPDATE users SET is_active = false WHERE id = ?", former);
            long bot = bot(h, "deploy-bot@zulip.com", owner, former);
            String key = apiKeys.replaceKey(h, Actor.commandLine(), bot);

            apiKeys.revokeLeaked(h, reporter, Tokens.sha256(key), WHERE);

            assertFalse(works(h, key));
            assertEquals(List.of("hamlet@zulip.com"), emailsTo(h), "only active owners are e-mailed");
            assertEquals(List.of(bot), services.leakedBotKeys());
            assertTrue(leakAudit(h, bot).contains("\"kind\": \"bot\""), leakAudit(h, bot));
        });
    }

    @Test
    void reportingAKeyTwiceReplacesItOnceAndAnOldKeyOnlyLeavesARecord() {
        UnitDatabase.rolledBack(h -> {
            long person = person(h, "hamlet@zulip.com");
            String key = apiKeys.replaceKey(h, Actor.commandLine(), person);
            apiKeys.revokeLeaked(h, reporter, Tokens.sha256(key), WHERE);
            long keysAfterFirst = h.createQuery("SELECT count(*) FROM api_keys").mapTo(Long.class).one();

            Optional<FoundKey> again = apiKeys.revokeLeaked(h, reporter, Tokens.sha256(key), new LeakNotice(null, null));

            assertEquals(FoundKeyKind.NOT_CURRENT, again.orElseThrow().kind());
            assertEquals(keysAfterFirst, h.createQuery("SELECT count(*) FROM api_keys").mapTo(Long.class).one());
            assertEquals(1, emailsTo(h).size(), "one e-mail, for the one replacement");
            assertEquals(List.of("main: replaced", "not_current: none: not a current key"), h.createQuery("""
                            SELECT (details ->> 'kind') || ': ' || (details ->> 'outcome') FROM audit_log
                            WHERE event_type = 'api_key_leak_reported' ORDER BY id""")
                    .mapTo(String.class).list());
        });
    }

    @Test
    void aLeakedDeviceKeyLogsOutThatDeviceAloneAndLeavesTheMainKey() {
        UnitDatabase.rolledBack(h -> {
            long person = person(h, "hamlet@zulip.com");
            String main = apiKeys.replaceKey(h, Actor.commandLine(), person);
            String phoneKey = ApiKeyFormat.generate();
            String laptopKey = ApiKeyFormat.generate();
            long phone = TestDevices.logIn(h, person, "ZulipMobile", "ZulipMobile/27.1", "192.0.2.1",
                    Tokens.sha256(phoneKey));
            long laptop = TestDevices.logIn(h, person, "ZulipElectron", "ZulipElectron/5.11", "192.0.2.2",
                    Tokens.sha256(laptopKey));
            assertEquals(FoundKeyKind.DEVICE, KeyLookup.describe(h, Tokens.sha256(phoneKey), Instant.now()).orElseThrow().kind());

            Optional<FoundKey> acted = apiKeys.revokeLeaked(h, reporter, Tokens.sha256(phoneKey), WHERE);

            assertEquals(FoundKeyKind.DEVICE, acted.orElseThrow().kind());
            assertFalse(works(h, phoneKey), "the leaked device key no longer works");
            assertTrue(works(h, laptopKey), "the other device keeps its key");
            assertTrue(works(h, main), "the main key is untouched");
            assertEquals(List.of(laptop), h.attach(DeviceDao.class).listForUser(person).stream().map(d -> d.id()).toList());
            assertEquals(List.of("hamlet@zulip.com"), emailsTo(h));
            assertEquals(List.of(), services.replacedKeys());
        });
    }

    @Test
    void aLeakedOldKeyInItsGracePeriodStopsAtOnceAndTheOwnersAreTold() {
        UnitDatabase.rolledBack(h -> {
            long owner = person(h, "hamlet@zulip.com");
            long bot = bot(h, "deploy-bot@zulip.com", owner);
            String old = apiKeys.replaceKey(h, Actor.commandLine(), bot);
            String current = apiKeys.replaceKey(h, Actor.commandLine(), bot, Duration.ofHours(24)).apiKey();
            assertEquals(FoundKeyKind.GRACE, KeyLookup.describe(h, Tokens.sha256(old), Instant.now()).orElseThrow().kind());

            Optional<FoundKey> acted = apiKeys.revokeLeaked(h, reporter, Tokens.sha256(old), WHERE);

            assertEquals(FoundKeyKind.GRACE, acted.orElseThrow().kind());
            assertFalse(works(h, old), "the old key stops before its grace period would have ended");
            assertTrue(works(h, current), "the bot's current key keeps working");
            assertEquals(List.of("hamlet@zulip.com"), emailsTo(h));
            assertEquals(List.of(bot), services.leakedBotKeys(), "the bot's webhook hears of the leak");
        });
    }

    @Test
    void aDigestKeydeskNeverIssuedChangesNothing() {
        UnitDatabase.rolledBack(h -> {
            person(h, "hamlet@zulip.com");
            Optional<FoundKey> acted = apiKeys.revokeLeaked(h, reporter, Tokens.sha256(ApiKeyFormat.generate()), WHERE);
            assertEquals(Optional.empty(), acted);
            assertEquals(0, h.createQuery("SELECT count(*) FROM audit_log WHERE event_type = 'api_key_leak_reported'")
                    .mapTo(Long.class).one());
            assertEquals(List.of(), emailsTo(h));
        });
    }
}
