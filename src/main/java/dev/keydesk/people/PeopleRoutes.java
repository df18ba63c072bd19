package dev.keydesk.people;

import dev.keydesk.web.Dates;
import dev.keydesk.api.PathIds;
import dev.keydesk.web.Layout;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.people.PeoplePages.InvitationRow;
import dev.keydesk.people.PeoplePages.RoleChoice;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import dev.keydesk.web.ConfirmPage;
import dev.keydesk.web.Flash;
import dev.keydesk.web.WebError;
import dev.keydesk.session.WebSession;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/** The administrators' Users page: roles, deactivation, key rotation and invitations. */
public final class PeopleRoutes {
    private static final List<Role> ASSIGNABLE = List.of(Role.OWNER, Role.ADMIN, Role.MODERATOR, Role.MEMBER, Role.GUEST);

    private final Jdbi jdbi;
    private final PeopleActions people;
    private final String site;

    public PeopleRoutes(Jdbi jdbi, PeopleActions people, String site) {
        this.jdbi = jdbi;
        this.people = people;
        this.site = site;
    }

    public void register(RoutesConfig routes) {
        routes.get("/users", ctx -> render(ctx, 200, null, null, null));
        routes.post("/users/{user_id}/role", this::changeRole);
        routes.post("/users/{user_id}/deactivate", this::deactivate);
        routes.post("/users/{user_id}/reactivate", this::reactivate);
        routes.post("/users/{user_id}/api-key/regenerate", this::regenerateKey);
        routes.post("/users/invitations", this::invite);
        routes.post("/users/invitations/{invitation_id}/revoke", this::revoke);
    }

    private void changeRole(Context ctx) {
        User admin = WebSession.requireAdmin(ctx);
        Role role = Role.parseCode(ctx.formParam("role"));
        people.changeRole(admin, targetId(ctx), role, ctx.ip());
        done(ctx, Flash.ROLE_CHANGED);
    }

    private void deactivate(Context ctx) {
        User admin = WebSession.requireAdmin(ctx);
        long id = targetId(ctx);
        if (!"yes".equals(ctx.formParam("confirmed"))) {
            confirm(ctx, "Deactivate this account?", "The person is logged out everywhere and their API key is refused "
                    + "until the account is reactivated.", "/users/" + id + "/deactivate", "Yes, deactivate");
            return;
        }
        people.deactivate(admin, id, ctx.ip());
        done(ctx, Flash.USER_DEACTIVATED);
    }

    private void reactivate(Context ctx) {
        User admin = WebSession.requireAdmin(ctx);
        people.reactivate(admin, targetId(ctx), ctx.ip());
        done(ctx, Flash.USER_REACTIVATED);
    }

    private void regenerateKey(Context ctx) {
        User admin = WebSession.requireAdmin(ctx);
        long id = targetId(ctx);
        if (!"yes".equals(ctx.formParam("confirmed"))) {
            confirm(ctx, "Generate a new API key for this member?", "Their current key stops working at once and their "
                    + "devices are logged out. You will not see the new key: they get it from Account & privacy.",
                    "/users/" + id + "/api-key/regenerate", "Yes, generate a new key");
            return;
        }
        people.regenerateKey(admin, id, ctx.ip());
        done(ctx, Flash.MEMBER_KEY_REGENERATED);
    }

    private void invite(Context ctx) {
        User admin = WebSession.requireAdmin(ctx);
        String email = ctx.formParam("email");
        try {
            String token = people.invite(admin, email, Role.parseCode(ctx.formParam("role")), ctx.ip());
            render(ctx, 200, site + "/invite/" + token, email.strip(), null);
        } catch (InvalidInputException e) {
            render(ctx, 400, null, null, e.getMessage());
        }
    }

    private void revoke(Context ctx) {
        User admin = WebSession.requireAdmin(ctx);
        long id = PathIds.parse(ctx.pathParam("invitation_id"), "There is no such invitation.");
        people.revokeInvitation(admin, id, ctx.ip());
        done(ctx, Flash.INVITATION_REVOKED);
    }

    private void render(Context ctx, int status, String newLink, String newEmail, String error) {
        User admin = WebSession.requireAdmin(ctx);
        var rows = jdbi.withExtension(PeopleDao.class, PeopleDao::listPeople).stream()
                .map(m -> new PeoplePages.Row(m.id(), m.fullName(), m.email(), m.roleEnum().label(),
                        roleChoices(admin, m.roleEnum()), m.isActive(),
                        Dates.minute(m.lastLoginAt(), "Never"),
                        admin.isOwner() || m.role() != Role.OWNER.code(), m.id() == admin.id()))
                .toList();
        var invitations = jdbi.withExtension(PeopleDao.class, PeopleDao::pendingInvitations).stream()
                .map(i -> new InvitationRow(i.id(), i.email(), Role.fromCode(i.role()).label(), Dates.minute(i.expiresAt(), ""),
                        i.invitedBy() == null ? "—" : i.invitedBy()))
                .toList();
        String typed = newLink == null && ctx.formParam("email") != null ? ctx.formParam("email") : "";
        var page = new PeoplePages.UsersPage(Layout.of(ctx, "Users"), rows, invitations,
                roleChoices(admin, Role.MEMBER), newLink, newEmail, typed, error);
        if (newLink != null) ctx.header("Cache-Control", "no-store");
        ctx.status(status).render("users.jte", Map.of("page", page));
    }

    /** The roles this administrator may hand out (only owners make owners). */
    private static List<RoleChoice> roleChoices(User admin, Role selected) {
        return ASSIGNABLE.stream().filter(r -> r != Role.OWNER || admin.isOwner() || selected == Role.OWNER)
                .map(r -> new RoleChoice(r.code(), r.label(), r == selected)).toList();
    }

    private void confirm(Context ctx, String question, String explanation, String action, String label) {
        ConfirmPage.show(ctx, "Please confirm", question, explanation, action, label, "/users");
    }

    private static void done(Context ctx, Flash flash) {
        flash.set(ctx);
        ctx.redirect("/users", HttpStatus.SEE_OTHER);
    }

    private static long targetId(Context ctx) {
        return PathIds.parse(ctx.pathParam("user_id"), "There is no such user.");
    }

}
