package dev.keydesk.people;

import dev.keydesk.errors.ForbiddenException;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;

/**
 * What an administrator may do to another account. Owners may do everything; administrators
 * may not touch owners or make anyone an owner; and the organization always keeps an active owner.
 */
public final class AdminPolicy {
    /** The action is not allowed; the message says why. */
    public static final class Refused extends ForbiddenException {
        public Refused(String message) {
            super(message);
        }
    }

    private AdminPolicy() {}

    public static void requireAdmin(User actor) {
        if (!actor.isActive() || actor.isBot() || !actor.isAdmin()) {
            throw new Refused("Must be an organization administrator");
        }
    }

    /** Deactivating, reactivating or rotating the key of a person. */
    public static void requireCanManage(User actor, User target) {
        requireAdmin(actor);
        if (target.isBot()) throw new Refused("Bots are managed under Keys.");
        if (target.isOwner() && !actor.isOwner()) {
            throw new Refused("Only owners can change an owner's account.");
        }
    }

    /** Whether a page should offer {@link #requireCanManage}'s changes; the action still checks. */
    public static boolean canManage(User actor, User target) {
        try {
            requireCanManage(actor, target);
            return true;
        } catch (Refused refused) {
            return false;
        }
    }

    public static void requireCanChangeRole(User actor, User target, Role newRole, long activeOwners) {
        requireCanManage(actor, target);
        if (newRole == Role.OWNER && !actor.isOwner()) throw new Refused("Only owners can make someone an owner.");
        if (target.isOwner() && newRole != Role.OWNER && activeOwners <= 1) {
            throw new Refused("The organization needs at least one owner, so its last owner cannot be demoted.");
        }
    }

    public static void requireCanDeactivate(User actor, User target, long activeOwners) {
        requireCanManage(actor, target);
        if (actor.id() == target.id()) throw new Refused("You cannot deactivate your own account.");
        if (target.isOwner() && activeOwners <= 1) {
            throw new Refused("The organization needs at least one owner, so its last owner cannot be deactivated.");
        }
    }

    public static void requireCanInvite(User actor, Role role) {
        requireAdmin(actor);
        if (role == Role.OWNER && !actor.isOwner()) throw new Refused("Only owners can invite owners.");
    }
}
