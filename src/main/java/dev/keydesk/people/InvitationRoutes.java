package dev.keydesk.people;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.web.Layout;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import dev.keydesk.web.WebError;
import dev.keydesk.session.WebSession;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.Map;

/** The page behind an invitation link, where the invitee picks a name and password. */
public final class InvitationRoutes {
    private final PeopleActions people;
    private final WebSession webSession;

    public InvitationRoutes(PeopleActions people, WebSession webSession) {
        this.people = people;
        this.webSession = webSession;
    }

    public void register(RoutesConfig routes) {
        routes.get("/invite/{token}", ctx -> render(ctx, 200, invitation(ctx), "", null), RouteAccess.ANONYMOUS);
        routes.post("/invite/{token}", this::accept, RouteAccess.ANONYMOUS);
    }

    private void accept(Context ctx) {
        Invitation invitation = invitation(ctx);
        String name = ctx.formParam("full_name") == null ? "" : ctx.formParam("full_name");
        String password = ctx.formParam("password") == null ? "" : ctx.formParam("password");
        if (!password.equals(ctx.formParam("password_confirm"))) {
            render(ctx, 400, invitation, name, "The two passwords do not match.");
            return;
        }
        try {
            User user = people.acceptInvitation(ctx.pathParam("token"), name, password, ctx.ip());
            webSession.signIn(ctx, user.id());
            PeopleNotices.INVITATION_ACCEPTED.set(ctx);
            ctx.redirect("/account", HttpStatus.SEE_OTHER);
        } catch (InvalidInputException e) {
            render(ctx, 400, invitation, name, e.getMessage());
        }
    }

    private Invitation invitation(Context ctx) {
        try {
            return people.usableInvitation(ctx.pathParam("token"));
        } catch (InvalidInputException e) {
            throw new WebError(404, "This invitation link is not valid: it was used, revoked, or it expired. "
                    + "Ask an administrator for a new one.");
        }
    }

    private static void render(Context ctx, int status, Invitation invitation, String fullName, String error) {
        var page = new PeoplePages.AcceptPage(Layout.of(ctx, "Join"), ctx.pathParam("token"), invitation.email(),
                Role.fromCode(invitation.role()).label(), fullName, error);
        ctx.status(status).render("invite.jte", Map.of("page", page));
    }
}
