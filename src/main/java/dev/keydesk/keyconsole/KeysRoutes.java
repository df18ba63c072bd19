package dev.keydesk.keyconsole;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.avatar.AvatarPaths;
import dev.keydesk.web.Dates;
import dev.keydesk.api.PathIds;
import dev.keydesk.web.Layout;
import dev.keydesk.web.ListAddress;
import dev.keydesk.audit.Actor;
import dev.keydesk.bot.Bot;
import dev.keydesk.bot.BotActions;
import dev.keydesk.bot.BotInterface;
import dev.keydesk.bot.BotOwner;
import dev.keydesk.bot.AccountPicker;
import dev.keydesk.bot.BotQueries;
import dev.keydesk.bot.BotService;
import dev.keydesk.bot.BotType;
import dev.keydesk.bot.BotForms;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.user.User;
import dev.keydesk.db.PageRead;
import dev.keydesk.guard.GuardActions;
import dev.keydesk.guard.ServiceChoice;
import dev.keydesk.guard.ServiceQueries;
import dev.keydesk.user.UserQueries;
import dev.keydesk.web.ConfirmPage;
import dev.keydesk.web.FormError;
import dev.keydesk.web.CappedCount;
import dev.keydesk.web.Cursor;
import dev.keydesk.web.KeysetPage;
import dev.keydesk.web.WebError;
import dev.keydesk.session.WebSession;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.apikey.ApiKeyQueries;
import dev.keydesk.apikey.KeyLifetimes;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;

/**
 * The administrators' Keys page: every bot's API key, searchable and paged, with create,
 * modify, copy, block / unblock and delete. A "key" here is a bot and its API key: blocking
 * deactivates the bot, unblocking reactivates it, deleting removes it for good.
 */
public final class KeysRoutes {
    static final int PAGE_SIZE = 50;
    /** At most a page and then some: the bulk form only ever sends the ticked rows of one page. */
    static final int MAX_BULK = 100;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The header the dialogs' script sends with a form. */
    static final String FROM_DIALOG = "X-Keydesk-Dialog";

    private final Jdbi jdbi;
    private final BotActions bots;
    private final BotQueries queries;
    private final UserQueries users;
    private final KeyConsoleActions consoleActions;
    private final ServiceQueries services;
    private final ApiKeyActions keys;
    private final ApiKeyQueries keyQueries;
    private final Clock clock;

    public KeysRoutes(Jdbi jdbi, BotActions bots, BotQueries queries, UserQueries users, GuardActions guard,
                      ServiceQueries services, ApiKeyActions keys, ApiKeyQueries keyQueries, Clock clock) {
        this.keyQueries = keyQueries;
        this.keys = keys;
        this.clock = clock;
        this.jdbi = jdbi;
        this.bots = bots;
        this.queries = queries;
        this.users = users;
        this.consoleActions = new KeyConsoleActions(bots, guard);
        this.services = services;
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
        // One read-only transaction for every read of the page; showing a new key writes its reveal
        // to the audit log, so that comes after.
        KeysPages.ListPage view = PageRead.of(jdbi, () -> listPage(ctx, admin, result));
        KeysPages.ListPage shown = result.flatMap(r -> newKey(ctx, admin, r)).map(view::withNewKey).orElse(view);
        ctx.header("Cache-Control", "no-store");
        ctx.render("keys.jte", Map.of("page", shown));
    }

    private KeysPages.ListPage listPage(Context ctx, User admin, Optional<KeyResult> result) {
        KeyListQuery query = KeyListQuery.from(ctx);
        Instant now = clock.instant();
        KeyListingQueries.ExpiryFilter expiry = KeyListingQueries.ExpiryFilter.of(ctx.queryParam("expiry"));
        String filter = expiry.param();
        KeyListingQueries listing = new KeyListingQueries(jdbi, expiry, now);
        String total = CappedCount.label(listing.cappedCount(query));
        Cursor after = Cursor.parse(ctx.queryParam("after")).orElse(null);
        Cursor before = after != null ? null : Cursor.parse(ctx.queryParam("before")).orElse(null);
        KeysetPage<KeyListing> page = KeysetPage.of(listing.source(query), after, before, PAGE_SIZE);
        List<KeyListing> listings = page.rows();
        String here = listHref(query, filter, page.direction(), page.cursor());
        Set<Long> changed = result.map(KeyResult::ids).orElse(Set.of());
        List<Long> ids = listings.stream().map(KeyListing::id).toList();
        BotQueries.Details details = queries.detailsOf(ids);
        ServiceQueries.BotKeyServices opened = services.forBots(ids);
        List<KeysPages.Row> rows = listings.stream().map(k -> row(k, details, opened, changed.contains(k.id()), now)).toList();
        String previous = page.hasPrevious()
                ? listHref(query, filter, "before", KeyListingQueries.cursorOf(listings.get(0), query.sort())) : null;
        String next = page.hasNext()
                ? listHref(query, filter, "after", KeyListingQueries.cursorOf(listings.get(listings.size() - 1), query.sort())) : null;
        int lifetimeDays = keys.maxBotKeyLifetimeDays();
        return new KeysPages.ListPage(Layout.of(ctx, "Keys"), query, total, rows,
                picker(Set.of(admin.id()), "new-key", ""), serviceChoices(Set.of()), previous, next, here,
                result.map(KeyResult::message).orElse(null), null,
                filter, new KeysPages.Policy(admin.isOwner(), lifetimeDays == 0 ? "" : Integer.toString(lifetimeDays)));
    }

    /** The key just created, shown once on the page the browser returns to. */
    private Optional<KeysPages.NewKey> newKey(Context ctx, User admin, KeyResult result) {
        if (result.outcome() != KeyResult.Outcome.CREATED) return Optional.empty();
        return result.single().filter(k -> queries.find(k.id()).isPresent()).map(k -> new KeysPages.NewKey(k.id(),
                k.fullName(), bots.revealKey(Actor.user(admin.id(), ctx.ip()), k.id(), "Keys page, after creating it")));
    }

    private void create(Context ctx) {
        User admin = WebSession.caller(ctx);
        if (AccountPicker.isSearch(ctx)) {
            renderForm(ctx, 200, newForm(ctx, null));
            return;
        }
        String webhook = blankToNull(ctx.formParam("webhook_url"));
        BotActions.Created created;
        try {
            BotActions.NewBot spec = new BotActions.NewBot(ctx.formParam("name"), null,
                    webhook == null ? BotType.GENERIC : BotType.OUTGOING_WEBHOOK, webhook, BotInterface.ZULIP,
                    BotForms.avatar(ctx, "avatar"), BotForms.ownerIds(ctx, "accounts"));
            var services = new GuardActions.ChosenServicesChange(Set.of(), Set.copyOf(BotForms.ownerIds(ctx, "services")));
            created = consoleActions.create(Actor.user(admin.id(), ctx.ip()), admin, spec, expiryField(ctx), services);
        } catch (InvalidInputException e) {
            renderForm(ctx, 400, newForm(ctx, FormError.of(e)));
            return;
        }
        done(ctx, KeyResult.Outcome.CREATED, List.of(new BotActions.Changed(created.bot().id(), created.bot().fullName())));
    }

    private void modify(Context ctx) {
        User admin = WebSession.caller(ctx);
        Bot bot = bot(ctx);
        if (AccountPicker.isSearch(ctx)) {
            renderForm(ctx, 200, editForm(ctx, bot, null));
            return;
        }
        Bot modified;
        try {
            String webhook = ctx.formParam("webhook_url");
            BotActions.Changes changes = new BotActions.Changes(ctx.formParam("name"),
                    webhook == null ? null : webhook.strip(), null, BotForms.avatar(ctx, "avatar"), BotForms.ownerIds(ctx, "accounts"));
            var services = new GuardActions.ChosenServicesChange(servicesBefore(ctx),
                    Set.copyOf(BotForms.ownerIds(ctx, "services")));
            modified = consoleActions.modify(Actor.user(admin.id(), ctx.ip()), bot.id(), changes, expiryField(ctx), services);
        } catch (InvalidInputException e) {
            renderForm(ctx, 400, editForm(ctx, bot, FormError.of(e)));
            return;
        }
        done(ctx, KeyResult.Outcome.MODIFIED, List.of(new BotActions.Changed(bot.id(), modified.fullName())));
    }

    /**
     * The services the form showed ticked, as its hidden {@code services_before} field lists them
     * ("3,7"); null when a form without it was posted, meaning whatever the key has now.
     */
    private static Set<Long> servicesBefore(Context ctx) {
        String raw = ctx.formParam("services_before");
        if (raw == null) return null;
        try {
            return Arrays.stream(raw.split(",")).map(String::strip).filter(id -> !id.isEmpty())
                    .map(Long::valueOf).collect(Collectors.toSet());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("No such service");
        }
    }

    /** The ids of {@code services}, as the hidden {@code services_before} field carries them. */
    private static String idList(Set<Long> services) {
        return services.stream().sorted().map(String::valueOf).collect(Collectors.joining(","));
    }

    /** The form's expiry date, when the form has the field (empty: no expiry); null leaves the expiry alone. */
    private static BotActions.KeyExpiry expiryField(Context ctx) {
        String raw = ctx.formParam("expires_on");
        return raw == null ? null : new BotActions.KeyExpiry(KeyLifetimes.expiry(raw));
    }

    /** Owners only: the maximum lifetime of bot keys issued from now on, in days (empty: none). */
    private void setPolicy(Context ctx) {
        User admin = WebSession.caller(ctx);
        String raw = ctx.formParam("max_bot_key_lifetime_days");
        Integer days;
        try {
            days = raw == null || raw.isBlank() ? null : Integer.valueOf(raw.strip());
            keys.setMaxBotKeyLifetime(Actor.user(admin.id(), ctx.ip()), days);
        } catch (NumberFormatException e) {
            throw new WebError(400, "The maximum lifetime must be a whole number of days.");
        } catch (InvalidInputException e) {
            throw new WebError(400, e.getMessage());
        }
        KeyNotices.KEY_POLICY_CHANGED.set(ctx);
        ctx.redirect(back(ctx), HttpStatus.SEE_OTHER);
    }

    /** The key itself, for the copy icon's script: fetched on demand, so the page never holds every key. */
    private void token(Context ctx) {
        User admin = WebSession.caller(ctx);
        Bot bot = bot(ctx);
        String key = bots.revealKey(Actor.user(admin.id(), ctx.ip()), bot.id(), "Keys page copy");
        ctx.header("Cache-Control", "no-store");
        ctx.contentType("text/plain; charset=utf-8").result(key);
    }

    private void block(Context ctx) {
        User admin = WebSession.caller(ctx);
        Bot bot = bot(ctx);
        if (!"yes".equals(ctx.formParam("confirmed"))) {
            confirm(ctx, "Block API Key", "Block the API key of " + bot.fullName() + "? It authenticates nothing until "
                    + "it is unblocked; its value stays the same.", "/keys/" + bot.id() + "/block", "Block", List.of());
            return;
        }
        done(ctx, KeyResult.Outcome.BLOCKED, bots.deactivateAll(Actor.user(admin.id(), ctx.ip()), List.of(bot.id())));
    }

    private void unblock(Context ctx) {
        User admin = WebSession.caller(ctx);
        Bot bot = bot(ctx);
        List<BotActions.Changed> changed;
        try {
            changed = bots.reactivateAll(Actor.user(admin.id(), ctx.ip()), List.of(bot.id()));
        } catch (InvalidInputException e) {
            throw new WebError(400, "This key cannot be unblocked: " + e.getMessage()
                    + " Rename the active account that uses its name first.");
        }
        done(ctx, KeyResult.Outcome.UNBLOCKED, changed);
    }

    private void delete(Context ctx) {
        User admin = WebSession.caller(ctx);
        Bot bot = bot(ctx);
        if (!"yes".equals(ctx.formParam("confirmed"))) {
            confirm(ctx, "Delete API Key", "Delete the API key of " + bot.fullName() + " for good? The bot and its key "
                    + "are removed; this cannot be undone.", "/keys/" + bot.id() + "/delete", "Delete", List.of());
            return;
        }
        done(ctx, KeyResult.Outcome.DELETED, bots.deleteAll(Actor.user(admin.id(), ctx.ip()), List.of(bot.id())));
    }

    /** What the bulk form of the list can do to the chosen keys. */
    private enum BulkAction {
        BLOCK("Block", KeyResult.Outcome.BLOCKED, "They authenticate nothing until they are unblocked; their values stay the same."),
        UNBLOCK("Unblock", KeyResult.Outcome.UNBLOCKED, "They work again with the values they had."),
        DELETE("Delete", KeyResult.Outcome.DELETED, "The bots and their keys are removed for good; this cannot be undone.");

        final String label;
        final KeyResult.Outcome outcome;
        final String explanation;

        BulkAction(String label, KeyResult.Outcome outcome, String explanation) {
            this.label = label;
            this.outcome = outcome;
            this.explanation = explanation;
        }
    }

    /** Block, unblock or delete the keys ticked in the list, after one question naming how many. */
    private void bulk(Context ctx) {
        User admin = WebSession.caller(ctx);
        BulkAction action = Arrays.stream(BulkAction.values())
                .filter(a -> a.name().toLowerCase(Locale.ROOT).equals(ctx.formParam("action"))).findFirst()
                .orElseThrow(() -> new WebError(400, "Choose Block, Unblock or Delete for the selected keys."));
        Set<Long> ids = new TreeSet<>();
        for (String raw : ctx.formParams("ids")) {
            ids.add(PathIds.parse(raw, "There is no such API key."));
        }
        if (ids.isEmpty()) throw new WebError(400, "Select at least one key in the list first.");
        if (ids.size() > MAX_BULK) throw new WebError(400, "Select at most " + MAX_BULK + " keys at a time.");
        List<Bot> found = ids.stream().map(queries::find).flatMap(Optional::stream).toList();
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
        Actor actor = Actor.user(admin.id(), ctx.ip());
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
            ctx.json(Map.of("location", back(ctx)));
        } else {
            ctx.redirect(back(ctx), HttpStatus.SEE_OTHER);
        }
    }

    private Bot bot(Context ctx) {
        long id = PathIds.parse(ctx.pathParam("bot_id"), "There is no such API key.");
        return queries.find(id).orElseThrow(() -> new WebError(404, "There is no such API key."));
    }

    private KeysPages.FormPage newForm(Context ctx, FormError error) {
        User admin = WebSession.caller(ctx);
        // A form shown for the first time has the creator ticked; a submitted one keeps what was ticked.
        boolean posted = ctx.formParam("name") != null;
        Set<Long> checked = posted ? BotForms.ownerIdsForRedisplay(ctx, "accounts") : Set.of(admin.id());
        return new KeysPages.FormPage(Layout.of(ctx, "New API Key"), 0, orEmpty(ctx.formParam("name")),
                orEmpty(ctx.formParam("webhook_url")), picker(checked, "key", AccountPicker.searchOf(ctx)),
                serviceChoices(BotForms.ownerIdsForRedisplay(ctx, "services")), "", error, back(ctx),
                orEmpty(ctx.formParam("expires_on")));
    }

    private KeysPages.FormPage editForm(Context ctx, Bot bot, FormError error) {
        BotQueries.Details details = queries.details(List.of(bot));
        boolean posted = ctx.formParam("name") != null;
        Set<Long> checked = posted ? BotForms.ownerIdsForRedisplay(ctx, "accounts")
                : Set.copyOf(details.ownerIds(bot.id()));
        String name = posted ? ctx.formParam("name") : bot.fullName();
        String webhook = posted ? orEmpty(ctx.formParam("webhook_url"))
                : details.service(bot.id()).map(BotService::payloadUrl).orElse("");
        Set<Long> currentServices = Set.copyOf(services.forBots(List.of(bot.id())).chosenIds(bot.id()));
        Set<Long> chosenServices = posted ? BotForms.ownerIdsForRedisplay(ctx, "services") : currentServices;
        // A form shown again keeps what it was first shown with, so saving it still applies only its changes.
        String servicesBefore = posted && ctx.formParam("services_before") != null ? ctx.formParam("services_before")
                : idList(currentServices);
        String expiresOn = posted ? orEmpty(ctx.formParam("expires_on"))
                : Dates.isoDay(keyQueries.currentKey(bot.id()).map(ApiKeyQueries.CurrentKey::expiresAt).orElse(null));
        return new KeysPages.FormPage(Layout.of(ctx, "Modify API Key"), bot.id(), name, webhook,
                picker(checked, "key", AccountPicker.searchOf(ctx)), serviceChoices(chosenServices), servicesBefore, error,
                back(ctx), expiresOn);
    }

    private static void renderForm(Context ctx, int status, KeysPages.FormPage page) {
        ctx.status(status).render("key_form.jte", Map.of("page", page));
    }

    private void confirm(Context ctx, String title, String question, String action, String label,
                         List<ConfirmPage.Field> fields) {
        List<ConfirmPage.Field> all = new ArrayList<>(fields);
        all.add(new ConfirmPage.Field("back", back(ctx)));
        ConfirmPage.show(ctx, title, title, question, action, label, back(ctx), all);
    }

    private AccountPicker picker(Set<Long> checked, String idPrefix, String search) {
        // Only administrators reach the Keys page, and they may pick anyone.
        return AccountPicker.of(users, AccountPicker.everyone(users), "accounts", idPrefix, "Accounts that manage this key",
                checked, search);
    }

    private List<ServiceChoice> serviceChoices(Set<Long> checked) {
        return services.chosenAccessServices().stream()
                .map(s -> new ServiceChoice(s.id(), s.name(), checked.contains(s.id()))).toList();
    }

    private KeysPages.Row row(KeyListing k, BotQueries.Details details, ServiceQueries.BotKeyServices opened,
                              boolean changed, Instant now) {
        List<BotOwner> owners = details.owners(k.id());
        return new KeysPages.Row(k.id(), k.fullName(), k.email(), BotType.fromCode(k.botType()).orElseThrow().label(),
                !k.isActive(), AvatarPaths.of(k.id(), k.avatarVersion()),
                owners.stream().map(BotOwner::fullName).collect(Collectors.joining(", ")),
                ownersJson(owners),
                details.service(k.id()).map(BotService::payloadUrl).orElse(""),
                opened.names(k.id()).isEmpty() ? "—" : String.join(", ", opened.names(k.id())),
                opened.chosenIds(k.id()).stream().map(String::valueOf).collect(Collectors.joining(",")),
                Dates.minute(k.keyCreatedAt(), "—"), Dates.minute(k.lastUsedAt(), "Never"),
                Dates.expiry(k.keyExpiresAt(), now), Dates.isoDay(k.keyExpiresAt()),
                k.recentAddresses() == null ? "" : k.recentAddresses(), changed);
    }

    /** The owners as the Modify dialog's picker reads them from the row. */
    private static String ownersJson(List<BotOwner> owners) {
        List<Map<String, Object>> list = owners.stream().<Map<String, Object>>map(o ->
                Map.of("id", o.userId(), "full_name", o.fullName(), "email", o.email())).toList();
        try {
            return JSON.writeValueAsString(list);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a list of plain maps is always JSON", e);
        }
    }

    /** Where to return after an action: the list as it was (a local /keys address only). */
    private static String back(Context ctx) {
        String back = ctx.formParam("back");
        if (back == null) back = ctx.queryParam("back");
        return ListAddress.of(back, "/keys").orElse("/keys");
    }

    /**
     * The list for {@code query} and the expiry {@code filter} ("" for none), continuing {@code direction}
     * ("after" or "before") {@code cursor} when given.
     */
    static String listHref(KeyListQuery query, String filter, String direction, Cursor cursor) {
        String href = KeysPages.withExpiry(query.href(null, null), filter);
        if (cursor == null) return href;
        return href + (href.indexOf('?') < 0 ? '?' : '&') + direction + '=' + cursor.param();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
