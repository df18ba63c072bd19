package dev.keydesk.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * Queues e-mails, webhook calls and leak reports in the transaction of the change that causes them: if the
 * change rolls back, nothing is sent; once it commits, the work survives any restart. The
 * request never waits for delivery.
 */
public final class Outbox {
    public static final String EMAIL = "email";
    public static final String WEBHOOK = "webhook";
    /** A report of leaked keys: their digests, to be revoked by the background sender. */
    public static final String LEAK_REPORT = "leak_report";
    static final int EMAIL_ATTEMPTS = 10;
    static final int WEBHOOK_ATTEMPTS = 8;
    static final int LEAK_REPORT_ATTEMPTS = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Called after each commit that queued work, so the local sender starts at once. */
    private final Runnable onCommit;

    public Outbox(Runnable onCommit) {
        this.onCommit = onCommit;
    }

    public void email(Handle h, String to, String subject, String body) {
        insert(h, EMAIL, Map.of("to", to, "subject", subject, "body", body), null, null, null, EMAIL_ATTEMPTS);
    }

    /** {@code secret} is the bot's token, encrypted; the body never holds a key. */
    public void webhook(Handle h, long botId, String event, String url, String body, byte[] secret) {
        webhooks(h, List.of(new Webhook(botId, event, url, body, secret)));
    }

    /** A webhook call to queue; {@code secret} is the bot's token, encrypted, and the body never holds a key. */
    public record Webhook(long botId, String event, String url, String body, byte[] secret) {}

    /** Several webhook calls queued in one round trip (a change to many bots at once). */
    public void webhooks(Handle h, List<Webhook> calls) {
        if (calls.isEmpty()) return;
        h.attach(OutboxDao.class).insertAll(WEBHOOK,
                calls.stream().map(c -> toJson(Map.of("url", c.url(), "body", c.body()))).toList(),
                calls.stream().map(Webhook::botId).toList(),
                calls.stream().map(Webhook::event).toList(),
                calls.stream().map(Webhook::secret).toList(),
                WEBHOOK_ATTEMPTS);
        h.afterCommit(onCommit);
    }

    /** {@code payload} is the report as JSON; it holds key digests, never a key. */
    public void leakReport(Handle h, String payload) {
        h.attach(OutboxDao.class).insert(LEAK_REPORT, payload, null, null, null, LEAK_REPORT_ATTEMPTS);
        h.afterCommit(onCommit);
    }

    private void insert(Handle h, String kind, Map<String, String> payload, Long botId, String event, byte[] secret,
                        int maxAttempts) {
        h.attach(OutboxDao.class).insert(kind, toJson(payload), botId, event, secret, maxAttempts);
        h.afterCommit(onCommit);
    }

    public static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
