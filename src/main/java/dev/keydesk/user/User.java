package dev.keydesk.user;

import java.time.Instant;

/** A person or bot account. The password hash is deliberately not part of this record. */
public record User(
        long id,
        String email,
        String fullName,
        int role,
        boolean isActive,
        boolean isBot,
        String timezone,
        Instant dateJoined) {

    public Role roleEnum() {
        return Role.fromCode(role);
    }

    public boolean isOwner() {
        return role == Role.OWNER.code();
    }

    /** Owners are administrators too, as in Zulip. */
    public boolean isAdmin() {
        return role <= Role.ADMIN.code();
    }

    public boolean isGuest() {
        return role == Role.GUEST.code();
    }
}
