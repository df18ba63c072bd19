package dev.keydesk.outbox;

/** One piece of queued work, as claimed by a sender. {@code attempts} counts this attempt too. */
public record OutboxItem(long id, String kind, String payload, Long botId, String event, byte[] secret, int attempts,
                         int maxAttempts, String leaseToken) {}
