package dev.keydesk.people;

import java.time.Instant;

public record Invitation(long id, String email, int role, Instant createdAt, Instant expiresAt, String invitedBy,
                         Long invitedById) {}
