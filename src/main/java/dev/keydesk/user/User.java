package dev.keydesk.user;

import dev.keydesk.avatar.AvatarPaths;
import java.time.Instant;

/** A person or bot account. The password hash is deliberately not part of this record. */
public record User(
        long id,
        String email,
        String fullName,
        int role,
        boolean isActive,
        boolean isBot,
        Integer botType,
        String timezone,
        Instant dateJoined,
        int avatarVersion) {

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

    /** Where clients fetch the avatar; the version changes the URL whenever the image does. */
    public String avatarPath() {
        return AvatarPaths.of(id, avatarVersion);
    }

    public boolean isGuest() {
        return role == Role.GUEST.code();
    }
}
