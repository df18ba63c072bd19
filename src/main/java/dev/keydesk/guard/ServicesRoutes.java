package dev.keydesk.guard;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.api.PathIds;
import dev.keydesk.audit.Actor;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.session.WebSession;
import dev.keydesk.user.User;
import dev.keydesk.web.ConfirmPage;
import dev.keydesk.web.Dates;
import dev.keydesk.web.Layout;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The administrators' Services page: the organization's other services whose proxies ask
 * Keydesk about keys. Registering one (or replacing its token) shows the service token once.
 */
public final class ServicesRoutes {
    private final GuardActions actions;
    private final ServiceQueries queries;
    private final String forwardAuthUrl;

    public ServicesRoutes(GuardActions actions, ServiceQueries queries, String site) {
        this.actions = actions;
        this.queries = queries;
        this.forwardAuthUrl = site + ForwardAuthRoutes.PATH;
    }

    public void register(RoutesConfig routes) {
        routes.get("/services", this::list, RouteAccess.ADMIN);
        routes.get("/services/new", ctx -> renderForm(ctx, 200, form(ctx, null, null)), RouteAccess.ADMIN);
        routes.post("/services", this::registerService, RouteAccess.ADMIN);
        routes.get("/services/{id}", ctx -> renderForm(ctx, 200, form(ctx, service(ctx), null)), RouteAccess.ADMIN);
        routes.post("/services/{id}", this::modify, RouteAccess.ADMIN);
        routes.post("/services/{id}/token", this::regenerateToken, RouteAccess.ADMIN);
        routes.post("/services/{id}/members", this::addMember, RouteAccess.ADMIN);
        routes.post("/services/{id}/members/{user_id}/remove", this::removeMember, RouteAccess.ADMIN);
        routes.post("/services/{id}/delete", this::delete, RouteAccess.ADMIN);
    }

    private void list(Context ctx) {
        Map<Long, List<Long>> members = queries.memberIds();
        List<ServicesPages.Row> rows = queries.all().stream().map(s -> new ServicesPages.Row(s.id(), s.name(),
                s.description(), s.accessRule().label(),
                s.rateLimitPerMinute() == null ? "None" : s.rateLimitPerMinute() + " per minute per key",
                members.getOrDefault(s.id(), List.of()).size(), Dates.minute(s.createdAt(), ""))).toList();
        ctx.render("services.jte", Map.of("page", new ServicesPages.ListPage(Layout.of(ctx, "Services"), rows, forwardAuthUrl)));
    }

    private void registerService(Context ctx) {
        User admin = WebSession.caller(ctx);
        try {
            GuardActions.Registered registered = actions.register(WebSession.actor(ctx), spec(ctx));
            showToken(ctx, registered.service(), registered.token());
        } catch (InvalidInputException e) {
            renderForm(ctx, 400, form(ctx, null, e.getMessage()));
        }
    }

    private void modify(Context ctx) {
        User admin = WebSession.caller(ctx);
        GuardedService service = service(ctx);
        try {
            actions.modify(WebSession.actor(ctx), service.id(), spec(ctx));
        } catch (InvalidInputException e) {
            renderForm(ctx, 400, form(ctx, service, e.getMessage()));
            return;
        }
        ServiceNotices.SERVICE_MODIFIED.set(ctx);
        ctx.redirect("/services/" + service.id(), HttpStatus.SEE_OTHER);
    }

    private void regenerateToken(Context ctx) {
        User admin = WebSession.caller(ctx);
        GuardedService service = service(ctx);
        if (!"yes".equals(ctx.formParam("confirmed"))) {
            ConfirmPage.show(ctx, "Please confirm", "Generate a new service token for " + service.name() + "?",
                    "The current token stops working at once: every proxy that presents it is refused until it "
                            + "is given the new one.", "/services/" + service.id() + "/token", "Generate new token",
                    "/services/" + service.id());
            return;
        }
        String token = actions.regenerateToken(WebSession.actor(ctx), service.id());
        showToken(ctx, service, token);
    }

    private void addMember(Context ctx) {
        User admin = WebSession.caller(ctx);
        GuardedService service = service(ctx);
        long userId = PathIds.parse(ctx.formParam("user_id"), "There is no such account.");
        actions.addMember(WebSession.actor(ctx), service.id(), userId);
        ServiceNotices.SERVICE_MEMBER_ADDED.set(ctx);
        ctx.redirect("/services/" + service.id() + "#members", HttpStatus.SEE_OTHER);
    }

    private void removeMember(Context ctx) {
        User admin = WebSession.caller(ctx);
        GuardedService service = service(ctx);
        long userId = PathIds.parse(ctx.pathParam("user_id"), "There is no such account.");
        actions.removeMember(WebSession.actor(ctx), service.id(), userId);
        ServiceNotices.SERVICE_MEMBER_REMOVED.set(ctx);
        ctx.redirect("/services/" + service.id() + "#members", HttpStatus.SEE_OTHER);
    }

    private void delete(Context ctx) {
        User admin = WebSession.caller(ctx);
        GuardedService service = service(ctx);
        if (!"yes".equals(ctx.formParam("confirmed"))) {
            ConfirmPage.show(ctx, "Please confirm", "Delete the service " + service.name() + "?",
                    "Its proxy's token stops working at once, so every request through that proxy is refused.",
                    "/services/" + service.id() + "/delete", "Delete service", "/services/" + service.id());
            return;
        }
        actions.delete(WebSession.actor(ctx), service.id());
        ServiceNotices.SERVICE_DELETED.set(ctx);
        ctx.redirect("/services", HttpStatus.SEE_OTHER);
    }

    private void showToken(Context ctx, GuardedService service, String token) {
        ctx.header("Cache-Control", "no-store");
        ctx.render("service_token.jte", Map.of("page", new ServicesPages.TokenPage(Layout.of(ctx, service.name()),
                service.id(), service.name(), token, forwardAuthUrl)));
    }

    private GuardedService service(Context ctx) {
        long id = PathIds.parse(ctx.pathParam("id"), "There is no such service.");
        return queries.find(id).orElseThrow(() -> new dev.keydesk.errors.NotFoundException("There is no such service."));
    }

    private static GuardActions.Spec spec(Context ctx) {
        return new GuardActions.Spec(ctx.formParam("name"), ctx.formParam("description"),
                Access.parse(ctx.formParam("access")), ServiceRules.rateLimit(ctx.formParam("rate_limit")));
    }

    /** The form, filled from what was posted (after an error) or from the stored service. */
    private ServicesPages.FormPage form(Context ctx, GuardedService service, String error) {
        boolean posted = ctx.formParam("name") != null;
        String name = posted ? ctx.formParam("name") : service == null ? "" : service.name();
        String description = posted ? orEmpty(ctx.formParam("description")) : service == null ? "" : service.description();
        String access = posted ? orEmpty(ctx.formParam("access")) : service == null ? "everyone" : service.access();
        String rate = posted ? orEmpty(ctx.formParam("rate_limit"))
                : service == null || service.rateLimitPerMinute() == null ? "" : service.rateLimitPerMinute().toString();
        List<ServicesPages.AccessChoice> choices = Arrays.stream(Access.values())
                .map(a -> new ServicesPages.AccessChoice(a.dbName(), a.label(), a.dbName().equals(access))).toList();
        String query = orEmpty(ctx.queryParam("q"));
        List<ServicesPages.Member> members = service == null ? List.of()
                : queries.members(service.id()).stream().map(ServicesRoutes::member).toList();
        List<ServicesPages.Member> matches = service == null ? List.of()
                : queries.searchAccounts(query).stream().map(ServicesRoutes::member).toList();
        return new ServicesPages.FormPage(Layout.of(ctx, service == null ? "Register a service" : service.name()),
                service == null ? 0 : service.id(), name, description, choices, rate, error, members,
                service != null && service.accessRule() == Access.CHOSEN, query, matches);
    }

    private static ServicesPages.Member member(User u) {
        return new ServicesPages.Member(u.id(), u.fullName(), u.email(), u.isBot());
    }

    private static void renderForm(Context ctx, int status, ServicesPages.FormPage page) {
        ctx.status(status).render("service_form.jte", Map.of("page", page));
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
