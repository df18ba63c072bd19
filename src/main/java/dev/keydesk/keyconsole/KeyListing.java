package dev.keydesk.keyconsole;

import java.time.Instant;

/**
 * One bot as the Keys page lists it: the account, its current key's dates (created, last used,
 * expiry) and the addresses it was last used from, newest first. {@code sortName}
 * is {@code lower(full_name)} as the database computes it, the page's sort key.
 */
public record KeyListing(long id, String email, String fullName, int botType, boolean isActive, int avatarVersion,
                         Instant keyCreatedAt, Instant lastUsedAt, Instant keyExpiresAt, String recentAddresses,
                         String sortName) {}
