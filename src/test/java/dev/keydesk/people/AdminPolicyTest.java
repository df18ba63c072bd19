package dev.keydesk.people;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.keydesk.errors.ForbiddenException;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Who may manage, promote, deactivate and invite whom. */
class AdminPolicyTest {
    private static final User OWNER = person(1, Role.OWNER);
    private static final User OTHER_OWNER = person(2, Role.OWNER);
    private static final User ADMIN = person(3, Role.ADMIN);
    private static final User OTHER_ADMIN = person(4, Role.ADMIN);
    private static final User MODERATOR = person(5, Role.MODERATOR);
    private static final User MEMBER = person(6, Role.MEMBER);
    private static final User GUEST = person(7, Role.GUEST);
    private static final User BOT = new User(8, "bot-bot@example.com", "Bot", Role.MEMBER.code(), true, true, 1, "",
            Instant.EPOCH, 1);
    private static final User ADMIN_BOT = new User(9, "admin-bot@example.com", "Admin bot", Role.ADMIN.code(), true,
            true, 1, "", Instant.EPOCH, 1);
    private static final User INACTIVE_OWNER = new User(10, "gone@example.com", "Gone", Role.OWNER.code(), false,
            false, null, "", Instant.EPOCH, 1);

    private static User person(long id, Role role) {
        return new User(id, "user" + id + "@example.com", "User " + id, role.code(), true, false, null, "",
                Instant.EPOCH, 1);
    }

    private static void assertRefused(String message, Executable action) {
        AdminPolicy.Refused refused = assertThrows(AdminPolicy.Refused.class, action);
        assertEquals(message, refused.getMessage());
        assertInstanceOf(ForbiddenException.class, refused, "refusals are answered with 403");
    }

    @Test
    void onlyActiveHumanOwnersAndAdministratorsAreAdministrators() {
        assertDoesNotThrow(() -> AdminPolicy.requireAdmin(OWNER));
        assertDoesNotThrow(() -> AdminPolicy.requireAdmin(ADMIN));
        for (User notAdmin : new User[] {MODERATOR, MEMBER, GUEST, BOT, ADMIN_BOT, INACTIVE_OWNER}) {
            assertRefused("Must be an organization administrator", () -> AdminPolicy.requireAdmin(notAdmin));
        }
    }

    @Test
    void administratorsManagePeopleButNotOwners() {
        assertDoesNotThrow(() -> AdminPolicy.requireCanManage(ADMIN, MEMBER));
        assertDoesNotThrow(() -> AdminPolicy.requireCanManage(ADMIN, OTHER_ADMIN));
        assertDoesNotThrow(() -> AdminPolicy.requireCanManage(ADMIN, GUEST));
        assertRefused("Only owners can change an owner's account.", () -> AdminPolicy.requireCanManage(ADMIN, OWNER));
        assertDoesNotThrow(() -> AdminPolicy.requireCanManage(OWNER, OTHER_OWNER));
        assertRefused("Must be an organization administrator", () -> AdminPolicy.requireCanManage(MEMBER, GUEST));
    }

    @Test
    void botsAreNotManagedAsPeopleEvenByOwners() {
        assertRefused("Bots are managed under Keys.", () -> AdminPolicy.requireCanManage(OWNER, BOT));
        assertRefused("Bots are managed under Keys.", () -> AdminPolicy.requireCanChangeRole(OWNER, BOT, Role.ADMIN, 2));
        assertRefused("Bots are managed under Keys.", () -> AdminPolicy.requireCanDeactivate(OWNER, BOT, 2));
    }

    @Test
    void onlyOwnersMakeOwners() {
        assertRefused("Only owners can make someone an owner.",
                () -> AdminPolicy.requireCanChangeRole(ADMIN, MEMBER, Role.OWNER, 1));
        assertDoesNotThrow(() -> AdminPolicy.requireCanChangeRole(OWNER, MEMBER, Role.OWNER, 1));
        assertDoesNotThrow(() -> AdminPolicy.requireCanChangeRole(ADMIN, MEMBER, Role.ADMIN, 1));
        assertDoesNotThrow(() -> AdminPolicy.requireCanChangeRole(ADMIN, OTHER_ADMIN, Role.GUEST, 1));
        assertRefused("Only owners can change an owner's account.",
                () -> AdminPolicy.requireCanChangeRole(ADMIN, OWNER, Role.MEMBER, 2));
    }

    @Test
    void theLastOwnerCannotBeDemoted() {
        assertRefused("The organization needs at least one owner, so its last owner cannot be demoted.",
                () -> AdminPolicy.requireCanChangeRole(OWNER, OWNER, Role.ADMIN, 1));
        assertRefused("The organization needs at least one owner, so its last owner cannot be demoted.",
                () -> AdminPolicy.requireCanChangeRole(OWNER, OWNER, Role.MEMBER, 0));
        assertDoesNotThrow(() -> AdminPolicy.requireCanChangeRole(OWNER, OWNER, Role.OWNER, 1),
                "keeping the owner role is no demotion");
        assertDoesNotThrow(() -> AdminPolicy.requireCanChangeRole(OWNER, OTHER_OWNER, Role.ADMIN, 2));
        assertDoesNotThrow(() -> AdminPolicy.requireCanChangeRole(OWNER, OWNER, Role.MEMBER, 2),
                "an owner may step down while another owner remains");
    }

    @Test
    void nobodyDeactivatesTheirOwnAccount() {
        assertRefused("You cannot deactivate your own account.", () -> AdminPolicy.requireCanDeactivate(ADMIN, ADMIN, 1));
        assertRefused("You cannot deactivate your own account.", () -> AdminPolicy.requireCanDeactivate(OWNER, OWNER, 5));
    }

    @Test
    void deactivationFollowsTheSameLimitsAsManaging() {
        assertDoesNotThrow(() -> AdminPolicy.requireCanDeactivate(ADMIN, MEMBER, 1));
        assertDoesNotThrow(() -> AdminPolicy.requireCanDeactivate(OWNER, OTHER_OWNER, 2));
        assertRefused("Only owners can change an owner's account.", () -> AdminPolicy.requireCanDeactivate(ADMIN, OWNER, 2));
        assertRefused("Must be an organization administrator", () -> AdminPolicy.requireCanDeactivate(MODERATOR, GUEST, 1));
        assertRefused("The organization needs at least one owner, so its last owner cannot be deactivated.",
                () -> AdminPolicy.requireCanDeactivate(OWNER, OTHER_OWNER, 1));
    }

    @Test
    void onlyOwnersInviteOwners() {
        assertDoesNotThrow(() -> AdminPolicy.requireCanInvite(OWNER, Role.OWNER));
        assertDoesNotThrow(() -> AdminPolicy.requireCanInvite(ADMIN, Role.ADMIN));
        assertDoesNotThrow(() -> AdminPolicy.requireCanInvite(ADMIN, Role.GUEST));
        assertRefused("Only owners can invite owners.", () -> AdminPolicy.requireCanInvite(ADMIN, Role.OWNER));
        assertRefused("Must be an organization administrator", () -> AdminPolicy.requireCanInvite(MEMBER, Role.MEMBER));
        assertRefused("Must be an organization administrator",
                () -> AdminPolicy.requireCanInvite(INACTIVE_OWNER, Role.MEMBER));
        assertRefused("Must be an organization administrator", () -> AdminPolicy.requireCanInvite(ADMIN_BOT, Role.MEMBER));
    }
}
