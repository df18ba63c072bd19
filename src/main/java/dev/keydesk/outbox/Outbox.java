package dev.keydesk.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * Queues e-mails and webhook calls in the transaction of the change that causes them: if the
 * change rolls back, nothing is sent; once it commits, the work survives any restart. The
 * request never waits for delivery.
 */
public final class Outbox {
    public static final String EMAIL = "email";
    public static final String WEBHOOK = "webhook";
    static final int EMAIL_ATTEMPTS = 10;
    static final int WEBHOOK_ATTEMPTS = 8;
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
        insert(h, WEBHOOK, Map.of("url", url, "body", body), botId, event, secret, WEBHOOK_ATTEMPTS);
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
