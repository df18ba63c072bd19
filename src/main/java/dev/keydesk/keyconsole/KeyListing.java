package dev.keydesk.keyconsole;

import java.time.Instant;

/**
 * One bot as the Keys page lists it: the account and its current key's dates. {@code sortName}
 * is {@code lower(full_name)} as the database computes it, the page's sort key.
 */
public record KeyListing(long id, String email, String fullName, int botType, boolean isActive, int avatarVersion,
                         Instant keyCreatedAt, Instant lastUsedAt, String sortName) {}
