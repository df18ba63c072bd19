package dev.keydesk;

import dev.keydesk.apikey.KeyCache;
import dev.keydesk.apikey.KeyUsage;
import dev.keydesk.apikey.KeyUseCounter;
import dev.keydesk.config.Settings;
import dev.keydesk.db.Database;
import dev.keydesk.metrics.Metrics;
import dev.keydesk.outbox.Outbox;
import dev.keydesk.ratelimit.ClientBucket;
import dev.keydesk.security.KeyCipher;
import dev.keydesk.usage.UsageCounter;
import dev.keydesk.webhook.WebhookTargets;
import java.time.Clock;
import org.jdbi.v3.core.Jdbi;

/**
 * What every feature is built over: the settings, the database, the one clock, the master-key
 * cipher, the meters, the key cache and its usage writer, the counts of key uses, the outbox, and how
 * clients are told apart.
 */
record Platform(Settings settings, Tuning tuning, Database database, KeyCipher cipher, Metrics metrics, KeyCache keyCache,
                KeyUsage keyUsage, UsageCounter usageCounter, Outbox outbox, ClientBucket clients, WebhookTargets webhookTargets) {
    Jdbi jdbi() {
        return database.jdbi();
    }

    /** What counts each key use on the key path: the usage counter, or nothing when tuned not to count. */
    KeyUseCounter keyUseCounter() {
        return tuning.countKeyUses() ? usageCounter : KeyUseCounter.NONE;
    }

    Clock clock() {
        return tuning.clock();
    }

    /** The address Keydesk is reached at, for links in e-mails, pages and zuliprc files. */
    String site() {
        return settings.site();
    }
}
