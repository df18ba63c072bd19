package dev.keydesk.people;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.db.PageRead;
import dev.keydesk.api.PathIds;
import dev.keydesk.web.Layout;
import dev.keydesk.web.ListAddress;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.people.PeoplePages.InvitationRow;
import dev.keydesk.people.PeoplePages.RoleChoice;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import dev.keydesk.web.ConfirmPage;
import dev.keydesk.web.Flash;
import dev.keydesk.session.WebSession;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import dev.keydesk.db.LikePattern;
import dev.keydesk.people.PeoplePages.FilterChoice;
import dev.keydesk.web.CappedCount;
import dev.keydesk.web.Cursor;
import dev.keydesk.web.KeysetPage;
import dev.keydesk.web.Moment;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;

/** The administrators' Users page: roles, deactivation, key rotation and invitations. */
public final class PeopleRoutes {
    private static final List<Role> ASSIGNABLE = List.of(Role.OWNER, Role.ADMIN, Role.MODERATOR, Role.MEMBER, Role.GUEST);
    private static final Set<String> STATES = Set.of("active", "deactivated");
    static final int PAGE_SIZE = 50;
    /** Pending invitations listed at once; the page says how many more there are. */
    static final int INVITATIONS_SHOWN = 50;

    private final Jdbi jdbi;
    private final PeopleActions people;
    private final PeopleQueries listing;
    private final Clock clock;
    private final String site;

    public PeopleRoutes(Jdbi jdbi, PeopleActions people, String site, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.people = people;
        this.listing = new PeopleQueries(jdbi);
        this.site = site;
    }

    public void register(RoutesConfig routes) {
        routes.get("/users", ctx -> render(ctx, 200, null, null, null), RouteAccess.ADMIN);
        routes.post("/users/{user_id}/role", this::changeRole, RouteAccess.ADMIN);
        routes.post("/users/{user_id}/deactivate", this::deactivate, RouteAccess.ADMIN);
        routes.post("/users/{user_id}/reactivate", this::reactivate, RouteAccess.ADMIN);
        routes.post("/users/{user_id}/api-key/regenerate", this::regenerateKey, RouteAccess.ADMIN);
        routes.post("/users/invitations", this::invite, RouteAccess.ADMIN);
        routes.post("/users/invitations/{invitation_id}/revoke", this::revoke, RouteAccess.ADMIN);
    }

    private void changeRole(Context ctx) {
        Role role = Role.parseCode(ctx.formParam("role"));
        long id = targetId(ctx);
        people.changeRole(WebSession.actor(ctx), id, role);
        done(ctx, PeopleNotices.ROLE_CHANGED, id);
    }

    private void deactivate(Context ctx) {
        long id = targetId(ctx);
        if (!"yes".equals(ctx.formParam("confirmed"))) {
            confirm(ctx, "Deactivate " + subject(id) + "?", "The person is logged out everywhere and their API key is refused "
                    + "until the account is reactivated.", "/users/" + id + "/deactivate", "Yes, deactivate");
            return;
        }
        people.deactivate(WebSession.actor(ctx), id);
        done(ctx, PeopleNotices.USER_DEACTIVATED, id);
    }

    private void reactivate(Context ctx) {
        long id = targetId(ctx);
        people.reactivate(WebSession.actor(ctx), id);
        done(ctx, PeopleNotices.USER_REACTIVATED, id);
    }

    private void regenerateKey(Context ctx) {
        long id = targetId(ctx);
        if (!"yes".equals(ctx.formParam("confirmed"))) {
            confirm(ctx, "Generate a new API key for " + subject(id) + "?", "Their current key stops working at once and their "
                    + "devices are logged out. You will not see the new key: they get it from Account & privacy.",
                    "/users/" + id + "/api-key/regenerate", "Yes, generate a new key");
            return;
        }
        people.regenerateKey(WebSession.actor(ctx), id);
        done(ctx, PeopleNotices.MEMBER_KEY_REGENERATED, id);
    }

    /** The person's name for a question about them ("this member" for an id that names nobody: the action says so). */
    private String subject(long id) {
        return listing.nameOf(id).orElse("this member");
    }

    private void invite(Context ctx) {
        String email = ctx.formParam("email");
        try {
            String token = people.invite(WebSession.actor(ctx), email, Role.parseCode(ctx.formParam("role")));
            render(ctx, 200, site + "/invite/" + token, email.strip(), null);
        } catch (InvalidInputException e) {
            render(ctx, 400, null, null, e.getMessage());
        }
    }

    private void revoke(Context ctx) {
        long id = PathIds.parse(ctx.pathParam("invitation_id"), "There is no such invitation.");
        people.revokeInvitation(WebSession.actor(ctx), id);
        done(ctx, PeopleNotices.INVITATION_REVOKED);
    }

    private void render(Context ctx, int status, String newLink, String newEmail, String error) {
        User admin = WebSession.caller(ctx);
        // One read-only transaction for every read of the page.
        PeoplePages.UsersPage page = PageRead.of(jdbi, () -> {
            String query = trimmed(ctx.queryParam("q"), 100);
            Role roleFilter = roleFilter(ctx.queryParam("role"));
            String state = ctx.queryParam("state") != null && STATES.contains(ctx.queryParam("state")) ? ctx.queryParam("state") : "";
            PeopleQueries.Filter filter = new PeopleQueries.Filter(LikePattern.contains(query),
                    roleFilter == null ? null : roleFilter.code(), state.isEmpty() ? null : state.equals("active"));
            Flash.Taken notice = Flash.takeWithSubject(ctx);
            String noticeText = notice == null ? null
                    : notice.message(notice.subjectId() == null ? null : listing.nameOf(notice.subjectId()).orElse(null));
            Cursor after = Cursor.parse(ctx.queryParam("after")).orElse(null);
            Cursor before = Cursor.parse(ctx.queryParam("before")).orElse(null);
            KeysetPage<PeopleQueries.Listed> shown = KeysetPage.of(listing.source(filter), after, before, PAGE_SIZE);
            Instant now = clock.instant();
            var rows = shown.rows().stream()
                    .map(m -> {
                        Role role = Role.fromCode(m.role());
                        return new PeoplePages.Row(m.id(), m.fullName(), m.email(), role.label(), roleChoices(admin, role),
                                m.isActive(), Moment.of(m.lastLoginAt(), now, "Never"),
                                admin.isOwner() || role != Role.OWNER, m.id() == admin.id(),
                                notice != null && notice.isAbout(m.id()));
                    })
                    .toList();
            String roleValue = roleFilter == null ? "" : Integer.toString(roleFilter.code());
            String previous = shown.hasPrevious()
                    ? listHref(query, roleValue, state, "before", shown.rows().get(0).cursor()) : null;
            String next = shown.hasNext()
                    ? listHref(query, roleValue, state, "after", shown.rows().get(shown.rows().size() - 1).cursor()) : null;
            List<FilterChoice> roles = new ArrayList<>();
            roles.add(new FilterChoice("", "Any role", roleFilter == null));
            for (Role r : ASSIGNABLE) roles.add(new FilterChoice(Integer.toString(r.code()), r.label(), r == roleFilter));
            List<FilterChoice> states = List.of(new FilterChoice("", "Active and deactivated", state.isEmpty()),
                    new FilterChoice("active", "Active", state.equals("active")),
                    new FilterChoice("deactivated", "Deactivated", state.equals("deactivated")));
            var invitations = jdbi.withExtension(PeopleDao.class, dao -> dao.pendingInvitations(INVITATIONS_SHOWN, now)).stream()
                    .map(i -> new InvitationRow(i.id(), i.email(), Role.fromCode(i.role()).label(), Moment.of(i.expiresAt(), now, ""),
                            i.invitedBy() == null ? "—" : i.invitedBy()))
                    .toList();
            long moreInvitations = invitations.size() < INVITATIONS_SHOWN ? 0
                    : jdbi.withExtension(PeopleDao.class, dao -> dao.countPendingInvitations(now)) - invitations.size();
            String typed = newLink == null && ctx.formParam("email") != null ? ctx.formParam("email") : "";
            return new PeoplePages.UsersPage(Layout.withNotice(ctx, "Users", noticeText), query, roles, states,
                    CappedCount.label(listing.cappedCount(filter)), rows, previous, next,
                    listHref(query, roleValue, state, shown.direction(), shown.cursor()),
                    invitations, moreInvitations, roleChoices(admin, Role.MEMBER), newLink, newEmail, typed, error);
        });
        if (newLink != null) ctx.header("Cache-Control", "no-store");
        ctx.status(status).render("users.jte", Map.of("page", page));
    }

    private static Role roleFilter(String raw) {
        if (raw == null || raw.isEmpty()) return null;
        return ASSIGNABLE.stream().filter(r -> Integer.toString(r.code()).equals(raw)).findFirst().orElse(null);
    }

    /** The list with these filters, continuing {@code direction} ("after" or "before") {@code cursor} when given. */
    static String listHref(String query, String role, String state, String direction, Cursor cursor) {
        StringBuilder href = new StringBuilder("/users");
        String sep = "?";
        for (String[] param : new String[][] {{"q", query}, {"role", role}, {"state", state}}) {
            if (param[1].isEmpty()) continue;
            href.append(sep).append(param[0]).append('=').append(URLEncoder.encode(param[1], StandardCharsets.UTF_8));
            sep = "&";
        }
        if (cursor != null) href.append(sep).append(direction).append('=').append(cursor.param());
        return href.toString();
    }

    private static String trimmed(String s, int max) {
        if (s == null) return "";
        String t = s.strip();
        return t.length() > max ? t.substring(0, max) : t;
    }

    /** The roles this administrator may hand out (only owners make owners). */
    private static List<RoleChoice> roleChoices(User admin, Role selected) {
        return ASSIGNABLE.stream().filter(r -> r != Role.OWNER || admin.isOwner() || selected == Role.OWNER)
                .map(r -> new RoleChoice(r.code(), r.label(), r == selected)).toList();
    }

    private void confirm(Context ctx, String question, String explanation, String action, String label) {
        ConfirmPage.showReturning(ctx, "Please confirm", question, explanation, action, label, back(ctx));
    }

    private static void done(Context ctx, Flash.Notice flash) {
        flash.set(ctx);
        ctx.redirect(back(ctx), HttpStatus.SEE_OTHER);
    }

    /** A notice about one person, back on the list as it was, where their row is highlighted. */
    private static void done(Context ctx, Flash.Notice flash, long subjectId) {
        flash.set(ctx, subjectId);
        ctx.redirect(back(ctx), HttpStatus.SEE_OTHER);
    }

    /** Where to return after an action: the list as it was shown (a local /users address only). */
    private static String back(Context ctx) {
        return ListAddress.of(ctx.formParam("back"), "/users").orElse("/users");
    }

    private static long targetId(Context ctx) {
        return PathIds.parse(ctx.pathParam("user_id"), "There is no such user.");
    }

}
