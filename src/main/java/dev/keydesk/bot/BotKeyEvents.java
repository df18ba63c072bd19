package dev.keydesk.bot;

import dev.keydesk.apikey.LeakNotice;
import dev.keydesk.outbox.Outbox;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Queues a signed notification to a bot's Webhook URL when its key changes, in the transaction
 * of the change. The body names the bot and the event, never the key.
 */
public final class BotKeyEvents {
    private final Outbox outbox;

    public BotKeyEvents(Outbox outbox) {
        this.outbox = outbox;
    }

    public void keyChanged(Handle h, long userId, KeyEvent event) {
        queue(h, userId, event, Map.of());
    }

    /**
     * The key was reported as leaked and has been replaced; the body also says where the report
     * says it was found ({@code found_url}, {@code found_source}, when given).
     */
    public void keyLeaked(Handle h, long userId, LeakNotice where) {
        Map<String, Object> foundAt = new LinkedHashMap<>();
        if (where.url() != null) foundAt.put("found_url", where.url());
        if (where.source() != null) foundAt.put("found_source", where.source());
        queue(h, userId, KeyEvent.LEAKED, foundAt);
    }

    private void queue(Handle h, long userId, KeyEvent event, Map<String, Object> extra) {
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
}
