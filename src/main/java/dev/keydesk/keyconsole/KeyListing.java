package dev.keydesk.keyconsole;

import java.time.Instant;

/** One bot as the Keys page lists it: the account and its current key's dates. */
public record KeyListing(long id, String email, String fullName, int botType, boolean isActive, int avatarVersion,
                         Instant keyCreatedAt, Instant lastUsedAt) {}
