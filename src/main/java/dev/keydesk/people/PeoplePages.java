package dev.keydesk.people;

import dev.keydesk.web.Layout;
import java.util.List;

/** What the Users and invitation templates render. */
public final class PeoplePages {
    private PeoplePages() {}

    public record RoleChoice(int code, String label, boolean selected) {}

    public record Row(long id, String fullName, String email, String roleLabel, List<RoleChoice> roles, boolean active,
                      String lastLogin, boolean manageable, boolean isSelf) {}

    public record InvitationRow(long id, String email, String roleLabel, String expires, String invitedBy) {}

    /** {@code newInvitationLink} is shown once, right after the invitation is made. */
    public record UsersPage(Layout layout, List<Row> rows, List<InvitationRow> invitations, List<RoleChoice> inviteRoles,
                            String newInvitationLink, String newInvitationEmail, String inviteEmail, String error) {}

    public record AcceptPage(Layout layout, String token, String email, String roleLabel, String fullName, String error) {}
}
