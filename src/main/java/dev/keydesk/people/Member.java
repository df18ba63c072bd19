package dev.keydesk.people;

import dev.keydesk.user.Role;
import java.time.Instant;

/** A person as the Users page lists them. */
public record Member(long id, String email, String fullName, int role, boolean isActive, Instant lastLoginAt) {
    public Role roleEnum() {
        return Role.fromCode(role);
    }
}
