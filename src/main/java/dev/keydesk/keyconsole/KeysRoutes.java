package dev.keydesk.keyconsole;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.account.Reauthentication;
import dev.keydesk.account.StepUpRoutes;
import dev.keydesk.api.PathIds;
import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.audit.Actor;
import dev.keydesk.bot.AccountPicker;
import dev.keydesk.bot.Bot;
import dev.keydesk.bot.BotActions;
import dev.keydesk.bot.BotForms;
import dev.keydesk.db.PageRead;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.keyscope.KeyRestrictions;
import dev.keydesk.session.WebSession;
import dev.keydesk.user.User;
import dev.keydesk.web.ConfirmPage;
import dev.keydesk.web.Cursor;
import dev.keydesk.web.Dates;
import dev.keydesk.web.FormError;
import dev.keydesk.web.Layout;
import dev.keydesk.web.WebError;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;

/**
 * The administrators' Keys page: every bot's API key, searchable and paged, with create,
 * modify, copy, block / unblock and delete. A "key" here is a bot and its API key: blocking
 * deactivates the bot, unblocking reactivates it, deleting removes it for good.
 */
public final class KeysRoutes {
    /** The header the dialogs' script sends with a form. */
    static final String FROM_DIALOG = "X-Keydesk-Dialog";

    private final Jdbi jdbi;
    private final KeysConsoleQueries queries;
    private final KeyConsoleActions console;
    private final BotActions bots;
    private final ApiKeyActions keys;
    private final Reauthentication reauthentication;

    public KeysRoutes(Jdbi jdbi, KeysConsoleQueries queries, KeyConsoleActions console, BotActions bots, ApiKeyActions keys,
                      Reauthentication reauthentication) {
        this.reauthentication = reauthentication;
        this.jdbi = jdbi;
        this.queries = queries;
        this.console = console;
        this.bots = bots;
        this.keys = keys;
    }

    public void register(RoutesConfig routes) {
        routes.get("/keys", this::list, RouteAccess.ADMIN);
        routes.get("/keys/new", ctx -> renderForm(ctx, 200, newForm(ctx, null)), RouteAccess.ADMIN);
        routes.post("/keys", this::create, RouteAccess.ADMIN);
        routes.post("/keys/bulk", this::bulk, RouteAccess.ADMIN);
        routes.get("/keys/{bot_id}/edit", ctx -> renderForm(ctx, 200, editForm(ctx, bot(ctx), null)), RouteAccess.ADMIN);
        routes.post("/keys/{bot_id}/edit", this::modify, RouteAccess.ADMIN);
        routes.post("/keys/{bot_id}/token", this::token, RouteAccess.ADMIN);
        routes.post("/keys/{bot_id}/block", this::block, RouteAccess.ADMIN);
        routes.post("/keys/{bot_id}/unblock", this::unblock, RouteAccess.ADMIN);
        routes.post("/keys/{bot_id}/delete", this::delete, RouteAccess.ADMIN);
        routes.post("/keys/policy", this::setPolicy, RouteAccess.OWNER);
    }

    private void list(Context ctx) {
        User admin = WebSession.caller(ctx);
        Optional<KeyResult> result = KeyResult.take(ctx);
        Cursor after = Cursor.parse(ctx.queryParam("after")).orElse(null);
        var request = new KeysConsoleQueries.ListRequest(KeyListQuery.from(ctx),
                KeyListingQueries.ExpiryFilter.of(ctx.queryParam("expiry")), after,
                after != null ? null : Cursor.parse(ctx.queryParam("before")).orElse(null));
        // One read-only transaction for every read of the page, whether a proof is due included; showing
        // a new key writes its reveal to the audit log, so that comes after.
        var session = WebSession.requireSession(ctx);
        record Read(KeysPages.ListPage view, boolean stepUpDue) {}
        Read read = PageRead.of(jdbi, () -> new Read(queries.list(Layout.of(ctx, "Keys"), admin, request,
                result.map(KeyResult::ids).orElse(Set.of()), result.map(KeyResult::message).orElse(null)),
                reauthentication.stepUpDue(session, admin)));
        KeysPages.ListPage view = read.view();
        // Nothing of a key reaches the page of someone who must first confirm it is them; the copy icons ask for that.
        KeysPages.ListPage shown = read.stepUpDue() ? view.withStepUp(StepUpRoutes.address(view.back()))
                : result.flatMap(r -> newKey(ctx, r)).map(view::withNewKey).orElse(view);
        ctx.header("Cache-Control", "no-store");
        ctx.render("keys.jte", Map.of("page", shown));
    }

    /** The key just created, shown once on the page the browser returns to. */
    private Optional<KeysPages.NewKey> newKey(Context ctx, KeyResult result) {
        if (result.outcome() != KeyResult.Outcome.CREATED) return Optional.empty();
        return result.single().filter(k -> queries.bot(k.id()).isPresent()).map(k -> new KeysPages.NewKey(k.id(),
                k.fullName(), bots.revealKey(WebSession.actor(ctx), k.id(), "Keys page, after creating it")));
    }

    private void create(Context ctx) {
        if (AccountPicker.isSearch(ctx)) {
            renderForm(ctx, 200, newForm(ctx, null));
            return;
        }
        BotActions.Created created;
        try {
            created = console.create(WebSession.actor(ctx), WebSession.caller(ctx), KeysForms.newBot(ctx),
                    KeysForms.expiry(ctx), KeysForms.servicesOfNewKey(ctx), KeysForms.limits(ctx));
        } catch (InvalidInputException e) {
            renderForm(ctx, 400, newForm(ctx, FormError.of(e)));
            return;
        }
        done(ctx, KeyResult.Outcome.CREATED, List.of(new BotActions.Changed(created.bot().id(), created.bot().fullName())));
    }

    private void modify(Context ctx) {
        Bot bot = bot(ctx);
        if (AccountPicker.isSearch(ctx)) {
            renderForm(ctx, 200, editForm(ctx, bot, null));
            return;
        }
        Bot modified;
        try {
            modified = console.modify(WebSession.actor(ctx), bot.id(), KeysForms.changes(ctx), KeysForms.expiry(ctx),
                    KeysForms.services(ctx), KeysForms.limits(ctx));
        } catch (InvalidInputException e) {
            renderForm(ctx, 400, editForm(ctx, bot, FormError.of(e)));
            return;
        }
        done(ctx, KeyResult.Outcome.MODIFIED, List.of(new BotActions.Changed(bot.id(), modified.fullName())));
    }

    /** Owners only: the maximum lifetime of bot keys issued from now on, in days (empty: none). */
    private void setPolicy(Context ctx) {
        String raw = ctx.formParam("max_bot_key_lifetime_days");
        try {
            keys.setMaxBotKeyLifetime(WebSession.actor(ctx), raw == null || raw.isBlank() ? null : Integer.valueOf(raw.strip()));
        } catch (NumberFormatException e) {
            throw new WebError(400, "The maximum lifetime must be a whole number of days.");
        } catch (InvalidInputException e) {
            throw new WebError(400, e.getMessage());
        }
        KeyNotices.KEY_POLICY_CHANGED.set(ctx);
        ctx.redirect(KeysForms.back(ctx), HttpStatus.SEE_OTHER);
    }

    /** The key itself, for the copy icon's script: fetched on demand, so the page never holds every key. */
    private void token(Context ctx) {
        if (reauthentication.stepUpDue(WebSession.requireSession(ctx), WebSession.caller(ctx))) {
            // The script sends the person to the step-up page, which brings them back to this list.
            ctx.header("X-Keydesk-Step-Up", StepUpRoutes.address(KeysForms.back(ctx)));
            throw new WebError(403, "Confirm it is you before copying a key.");
        }
        String key = bots.revealKey(WebSession.actor(ctx), bot(ctx).id(), "Keys page copy");
        ctx.header("Cache-Control", "no-store");
        ctx.contentType("text/plain; charset=utf-8").result(key);
    }

    private void block(Context ctx) {
        Bot bot = bot(ctx);
        if (!"yes".equals(ctx.formParam("confirmed"))) {
            confirm(ctx, "Block API Key", "Block the API key of " + bot.fullName() + "? It authenticates nothing until "
                    + "it is unblocked; its value stays the same.", "/keys/" + bot.id() + "/block", "Block", List.of());
            return;
        }
        done(ctx, KeyResult.Outcome.BLOCKED, bots.deactivateAll(WebSession.actor(ctx), List.of(bot.id())));
    }

    private void unblock(Context ctx) {
        List<BotActions.Changed> changed;
        try {
            changed = bots.reactivateAll(WebSession.actor(ctx), List.of(bot(ctx).id()));
        } catch (InvalidInputException e) {
            throw new WebError(400, "This key cannot be unblocked: " + e.getMessage()
                    + " Rename the active account that uses its name first.");
        }
        done(ctx, KeyResult.Outcome.UNBLOCKED, changed);
    }

    private void delete(Context ctx) {
        Bot bot = bot(ctx);
        if (!"yes".equals(ctx.formParam("confirmed"))) {
            confirm(ctx, "Delete API Key", "Delete the API key of " + bot.fullName() + " for good? The bot and its key "
                    + "are removed; this cannot be undone.", "/keys/" + bot.id() + "/delete", "Delete", List.of());
            return;
        }
        done(ctx, KeyResult.Outcome.DELETED, bots.deleteAll(WebSession.actor(ctx), List.of(bot.id())));
    }

    /** Block, unblock or delete the keys ticked in the list, after one question naming how many. */
    private void bulk(Context ctx) {
        KeyBulkAction action = KeyBulkAction.of(ctx.formParam("action"))
                .orElseThrow(() -> new WebError(400, "Choose Block, Unblock or Delete for the selected keys."));
        Set<Long> ids = new TreeSet<>();
        for (String raw : ctx.formParams("ids")) ids.add(PathIds.parse(raw, "There is no such API key."));
        if (ids.isEmpty()) throw new WebError(400, "Select at least one key in the list first.");
        if (ids.size() > KeyBulkAction.MAX_KEYS) throw new WebError(400, "Select at most " + KeyBulkAction.MAX_KEYS + " keys at a time.");
        List<Bot> found = queries.bots(ids);
        if (found.isEmpty()) throw new WebError(404, "The selected keys no longer exist.");
        if (!"yes".equals(ctx.formParam("confirmed"))) {
            List<ConfirmPage.Field> fields = new ArrayList<>();
            fields.add(new ConfirmPage.Field("action", ctx.formParam("action")));
            found.forEach(b -> fields.add(new ConfirmPage.Field("ids", Long.toString(b.id()))));
            String names = found.stream().map(Bot::fullName).limit(10).collect(Collectors.joining(", "))
                    + (found.size() > 10 ? " and " + (found.size() - 10) + " more" : "");
            String question = action.label + " " + found.size() + (found.size() == 1 ? " key?" : " keys?");
            confirm(ctx, question, question + " " + names + ". " + action.explanation, "/keys/bulk", action.label, fields);
            return;
        }
        Actor actor = WebSession.actor(ctx);
        List<Long> chosen = found.stream().map(Bot::id).toList();
        List<BotActions.Changed> changed;
        try {
            changed = switch (action) {
                case BLOCK -> bots.deactivateAll(actor, chosen);
                case UNBLOCK -> bots.reactivateAll(actor, chosen);
                case DELETE -> bots.deleteAll(actor, chosen);
            };
        } catch (InvalidInputException e) {
            throw new WebError(400, "The keys cannot be unblocked: " + e.getMessage()
                    + " Rename the active account that uses that name first; no key was unblocked.");
        }
        done(ctx, action.outcome, changed);
    }

    /**
     * After an action: the list as it was, saying what happened and marking the rows. A dialog's
     * script (which sends {@link #FROM_DIALOG}) is told where to go instead of being redirected,
     * so that the one-shot result is read by the page it loads, not by the script.
     */
    private static void done(Context ctx, KeyResult.Outcome outcome, List<BotActions.Changed> changed) {
        new KeyResult(outcome, changed).set(ctx);
        if (ctx.header(FROM_DIALOG) != null) {
            ctx.json(Map.of("location", KeysForms.back(ctx)));
        } else {
            ctx.redirect(KeysForms.back(ctx), HttpStatus.SEE_OTHER);
        }
    }

    private Bot bot(Context ctx) {
        long id = PathIds.parse(ctx.pathParam("bot_id"), "There is no such API key.");
        return queries.bot(id).orElseThrow(() -> new WebError(404, "There is no such API key."));
    }

    private KeysPages.FormPage newForm(Context ctx, FormError error) {
        // A form shown for the first time has the creator ticked; a submitted one keeps what was ticked.
        boolean posted = ctx.formParam("name") != null;
        Set<Long> checked = posted ? BotForms.ownerIdsForRedisplay(ctx, "accounts") : Set.of(WebSession.caller(ctx).id());
        return new KeysPages.FormPage(Layout.of(ctx, "New API Key"), 0, KeysForms.orEmpty(ctx.formParam("name")),
                KeysForms.orEmpty(ctx.formParam("webhook_url")), queries.picker(checked, "key", AccountPicker.searchOf(ctx)),
                queries.serviceChoices(BotForms.ownerIdsForRedisplay(ctx, "services")), "", error, KeysForms.back(ctx),
                KeysForms.orEmpty(ctx.formParam("expires_on")),
                posted ? queries.postedLimitsForm(ctx) : queries.limitsForm(KeyRestrictions.Limits.NONE));
    }

    private KeysPages.FormPage editForm(Context ctx, Bot bot, FormError error) {
        KeysConsoleQueries.Current current = queries.current(bot);
        boolean posted = ctx.formParam("name") != null;
        // A form shown again keeps what it was first shown with, so saving it still applies only its changes.
        String servicesBefore = posted && ctx.formParam("services_before") != null ? ctx.formParam("services_before")
                : KeysForms.idList(current.serviceIds());
        return new KeysPages.FormPage(Layout.of(ctx, "Modify API Key"), bot.id(),
                posted ? ctx.formParam("name") : bot.fullName(),
                posted ? KeysForms.orEmpty(ctx.formParam("webhook_url")) : current.webhookUrl(),
                queries.picker(posted ? BotForms.ownerIdsForRedisplay(ctx, "accounts") : current.ownerIds(), "key",
                        AccountPicker.searchOf(ctx)),
                queries.serviceChoices(posted ? BotForms.ownerIdsForRedisplay(ctx, "services") : current.serviceIds()),
                servicesBefore, error, KeysForms.back(ctx),
                posted ? KeysForms.orEmpty(ctx.formParam("expires_on")) : Dates.isoDay(current.expiresAt()),
                posted && ctx.formParam("limits_form") != null ? queries.postedLimitsForm(ctx) : queries.limitsForm(current.limits()));
    }

    private static void renderForm(Context ctx, int status, KeysPages.FormPage page) {
        ctx.status(status).render("key_form.jte", Map.of("page", page));
    }

    private void confirm(Context ctx, String title, String question, String action, String label,
                         List<ConfirmPage.Field> fields) {
        List<ConfirmPage.Field> all = new ArrayList<>(fields);
        all.add(new ConfirmPage.Field("back", KeysForms.back(ctx)));
        ConfirmPage.show(ctx, title, title, question, action, label, KeysForms.back(ctx), all);
    }
}
