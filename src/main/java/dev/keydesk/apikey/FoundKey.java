package dev.keydesk.apikey;

import java.time.Instant;

/** A key found by its digest: its row, what kind it is, and the account it belongs (or belonged) to. */
public record FoundKey(long keyId, FoundKeyKind kind, long userId, String email, String fullName, boolean isBot,
                       boolean accountActive, Instant createdAt, Instant lastUsedAt, Instant revokedAt) {}
