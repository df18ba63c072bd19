package dev.keydesk.bot;

import dev.keydesk.apikey.KeyEventListener;
import dev.keydesk.apikey.LeakNotice;
import dev.keydesk.mail.Emails;
import dev.keydesk.organization.OrganizationName;
import dev.keydesk.outbox.Outbox;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Queues a signed notification to a bot's Webhook URL when its key changes, in the transaction
 * of the change. The body names the bot and the event, never the key. Warnings about a key's
 * expiry also go to the bot's owners by e-mail.
 */
public final class BotKeyEvents implements KeyEventListener {
    private final Outbox outbox;
    private final String site;
    private final Clock clock;

    public BotKeyEvents(Outbox outbox, String site, Clock clock) {
        this.outbox = outbox;
        this.clock = clock;
        this.site = site;
    }

    public void keyChanged(Handle h, long userId, KeyEvent event) {
        keyChanged(h, List.of(userId), event, Map.of());
    }

    /** The same event for many bots at once, queued in a fixed number of statements. */
    public void keysChanged(Handle h, Collection<Long> botIds, KeyEvent event) {
        keyChanged(h, botIds, event, Map.of());
    }

    /**
     * The key was reported as leaked and has been replaced; the body also says where the report
     * says it was found ({@code found_url}, {@code found_source}, when given).
     */
    public void keyLeaked(Handle h, long userId, LeakNotice where) {
        Map<String, Object> foundAt = new LinkedHashMap<>();
        if (where.url() != null) foundAt.put("found_url", where.url());
        if (where.source() != null) foundAt.put("found_source", where.source());
        keyChanged(h, List.of(userId), KeyEvent.LEAKED, foundAt);
    }

    /** {@code extra} fields follow the common ones in the body; bots without a Webhook URL are skipped. */
    private void keyChanged(Handle h, Collection<Long> botIds, KeyEvent event, Map<String, Object> extra) {
        String occurredAt = clock.instant().toString();
        List<Outbox.Webhook> calls = new ArrayList<>();
        for (BotDao.WebhookTarget target : h.attach(BotDao.class).webhookTargets(botIds)) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("event", event.wireName());
            body.put("bot_id", target.botId());
            body.put("bot_email", target.email());
            body.put("occurred_at", occurredAt);
            body.putAll(extra);
            calls.add(new Outbox.Webhook(target.botId(), event.wireName(), target.payloadUrl(), Outbox.toJson(body),
                    target.tokenCiphertext()));
        }
        outbox.webhooks(h, calls);
    }

    @Override
    public void replaced(Handle h, long userId, Instant oldKeyWorksUntil) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("old_key_works_until", oldKeyWorksUntil == null ? null : oldKeyWorksUntil.toString());
        keyChanged(h, List.of(userId), KeyEvent.REGENERATED, extra);
    }

    @Override
    public void oldKeyRetired(Handle h, long userId, Instant at) {
        keyChanged(h, List.of(userId), KeyEvent.RETIRED, Map.of("retired_at", at.toString()));
    }

    @Override
    public void expiring(Handle h, long userId, Instant expiresAt) {
        keyChanged(h, List.of(userId), KeyEvent.EXPIRING, Map.of("expires_at", expiresAt.toString()));
        mailOwners(h, userId, expiresAt, false);
    }

    @Override
    public void expired(Handle h, long userId, Instant expiresAt) {
        keyChanged(h, List.of(userId), KeyEvent.EXPIRED, Map.of("expires_at", expiresAt.toString()));
        mailOwners(h, userId, expiresAt, true);
    }

    private void mailOwners(Handle h, long botId, Instant expiresAt, boolean expired) {
        BotDao bots = h.attach(BotDao.class);
        Optional<Bot> bot = bots.find(botId);
        if (bot.isEmpty()) return;
        String org = OrganizationName.current(h);
        Emails.Email email = expired
                ? Emails.botKeyExpired(org, bot.get().fullName(), bot.get().email(), expiresAt, site + "/bots/" + botId)
                : Emails.botKeyExpiring(org, bot.get().fullName(), bot.get().email(), expiresAt, site + "/bots/" + botId);
        for (BotOwner owner : bots.ownersOf(List.of(botId))) {
            outbox.email(h, owner.email(), email.subject(), email.body());
        }
    }
}
