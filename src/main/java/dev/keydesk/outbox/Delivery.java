package dev.keydesk.outbox;

import java.time.Instant;

/** A webhook call as the bot's delivery log shows it. */
public record Delivery(long id, String event, Instant createdAt, int attempts, int maxAttempts, Instant deliveredAt,
                       Instant failedAt, Instant nextAttemptAt, String lastError) {
    public String status() {
        if (deliveredAt != null) return "Delivered";
        if (failedAt != null) return "Failed";
        return attempts == 0 ? "Waiting" : "Retrying";
    }
}
