package dev.keydesk.bot;

import dev.keydesk.apikey.KeyEventListener;
import dev.keydesk.apikey.LeakNotice;
import dev.keydesk.mail.Emails;
import dev.keydesk.organization.Organization;
import dev.keydesk.organization.OrganizationDao;
import dev.keydesk.outbox.Outbox;
import java.time.Instant;
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

    public BotKeyEvents(Outbox outbox, String site) {
        this.outbox = outbox;
        this.site = site;
    }

    public void keyChanged(Handle h, long userId, KeyEvent event) {
        keyChanged(h, userId, event, Map.of());
    }

    /**
     * The key was reported as leaked and has been replaced; the body also says where the report
     * says it was found ({@code found_url}, {@code found_source}, when given).
     */
    public void keyLeaked(Handle h, long userId, LeakNotice where) {
        Map<String, Object> foundAt = new LinkedHashMap<>();
        if (where.url() != null) foundAt.put("found_url", where.url());
        if (where.source() != null) foundAt.put("found_source", where.source());
        keyChanged(h, userId, KeyEvent.LEAKED, foundAt);
    }

    /** {@code extra} fields follow the common ones in the body. */
    private void keyChanged(Handle h, long userId, KeyEvent event, Map<String, Object> extra) {
        BotDao bots = h.attach(BotDao.class);
        Optional<Bot> bot = bots.find(userId);
        Optional<BotService> service = bots.servicesOf(List.of(userId)).stream().findFirst();
        if (bot.isEmpty() || service.isEmpty()) return;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("event", event.wireName());
        body.put("bot_id", userId);
        body.put("bot_email", bot.get().email());
        body.put("occurred_at", Instant.now().toString());
        body.putAll(extra);
        outbox.webhook(h, userId, event.wireName(), service.get().payloadUrl(), Outbox.toJson(body),
                service.get().tokenCiphertext());
    }

    @Override
    public void replaced(Handle h, long userId, Instant oldKeyWorksUntil) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("old_key_works_until", oldKeyWorksUntil == null ? null : oldKeyWorksUntil.toString());
        keyChanged(h, userId, KeyEvent.REGENERATED, extra);
    }

    @Override
    public void oldKeyRetired(Handle h, long userId, Instant at) {
        keyChanged(h, userId, KeyEvent.RETIRED, Map.of("retired_at", at.toString()));
    }

    @Override
    public void expiring(Handle h, long userId, Instant expiresAt) {
        keyChanged(h, userId, KeyEvent.EXPIRING, Map.of("expires_at", expiresAt.toString()));
        mailOwners(h, userId, expiresAt, false);
    }

    @Override
    public void expired(Handle h, long userId, Instant expiresAt) {
        keyChanged(h, userId, KeyEvent.EXPIRED, Map.of("expires_at", expiresAt.toString()));
        mailOwners(h, userId, expiresAt, true);
    }

    private void mailOwners(Handle h, long botId, Instant expiresAt, boolean expired) {
        BotDao bots = h.attach(BotDao.class);
        Optional<Bot> bot = bots.find(botId);
        if (bot.isEmpty()) return;
        String org = h.attach(OrganizationDao.class).find().map(Organization::name).orElse("Keydesk");
        Emails.Email email = expired
                ? Emails.botKeyExpired(org, bot.get().fullName(), bot.get().email(), expiresAt, site + "/bots/" + botId)
                : Emails.botKeyExpiring(org, bot.get().fullName(), bot.get().email(), expiresAt, site + "/bots/" + botId);
        for (BotOwner owner : bots.ownersOf(List.of(botId))) {
            outbox.email(h, owner.email(), email.subject(), email.body());
        }
    }
}
