package dev.keydesk.people;

import dev.keydesk.web.Layout;
import dev.keydesk.web.Moment;
import java.util.List;

/** What the Users and invitation templates render. */
public final class PeoplePages {
    private PeoplePages() {}

    public record RoleChoice(int code, String label, boolean selected) {}

    /** A filter's option: {@code value} "" is "any". */
    public record FilterChoice(String value, String label, boolean selected) {}

    /** {@code affected}: the person the page's notice is about, whose row is highlighted. */
    public record Row(long id, String fullName, String email, String roleLabel, List<RoleChoice> roles, boolean active,
                      Moment lastLogin, boolean manageable, boolean isSelf, boolean affected) {}

    public record InvitationRow(long id, String email, String roleLabel, Moment expires, String invitedBy) {}

    /**
     * The Users page. {@code newInvitationLink} is shown once, right after the invitation is made;
     * {@code back} is this list as it is shown (search, filters and page), where actions return;
     * {@code total} is the capped count's label ("42", "1,000+"); {@code moreInvitations} how many
     * pending invitations are not listed.
     */
    public record UsersPage(Layout layout, String query, List<FilterChoice> roleFilter, List<FilterChoice> stateFilter,
                            String total, List<Row> rows, String previousHref, String nextHref, String back,
                            List<InvitationRow> invitations, long moreInvitations, List<RoleChoice> inviteRoles,
                            String newInvitationLink, String newInvitationEmail, String inviteEmail, String error) {
        public boolean hasPages() {
            return previousHref != null || nextHref != null;
        }

        public boolean filtered() {
            return !query.isEmpty() || roleFilter.stream().anyMatch(c -> c.selected() && !c.value().isEmpty())
                    || stateFilter.stream().anyMatch(c -> c.selected() && !c.value().isEmpty());
        }
    }

    public record AcceptPage(Layout layout, String token, String email, String roleLabel, String fullName, String error) {}
}
