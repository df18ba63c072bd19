package dev.keydesk.keyconsole;

import dev.keydesk.avatar.AvatarPaths;
import dev.keydesk.web.Dates;
import dev.keydesk.api.PathIds;
import dev.keydesk.web.Layout;
import dev.keydesk.audit.Actor;
import dev.keydesk.bot.Bot;
import dev.keydesk.bot.BotActions;
import dev.keydesk.bot.BotInterface;
import dev.keydesk.bot.BotOwner;
import dev.keydesk.bot.BotPages.OwnerChoice;
import dev.keydesk.bot.BotQueries;
import dev.keydesk.bot.BotService;
import dev.keydesk.bot.BotType;
import dev.keydesk.bot.BotForms;
import dev.keydesk.db.LikePattern;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.user.User;
import dev.keydesk.guard.GuardActions;
import dev.keydesk.guard.ServiceChoice;
import dev.keydesk.guard.ServiceQueries;
import dev.keydesk.user.UserQueries;
import dev.keydesk.web.ConfirmPage;
import dev.keydesk.web.Flash;
import dev.keydesk.web.FormError;
import dev.keydesk.web.CappedCount;
import dev.keydesk.web.Cursor;
import dev.keydesk.web.WebError;
import dev.keydesk.session.WebSession;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.apikey.ApiKeyQueries;
import dev.keydesk.apikey.KeyLifetimes;
import java.net.URLEncoder;
import java.time.Clock;
import java.time.Instant;
import java.nio.charset.StandardCharsets;
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

    private final Jdbi jdbi;
    private final BotActions bots;
    private final BotQueries queries;
    private final UserQueries users;
    private final GuardActions guard;
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
        this.guard = guard;
        this.services = services;
    }

    public void register(RoutesConfig routes) {
        routes.get("/keys", this::list);
        routes.get("/keys/new", ctx -> renderForm(ctx, 200, newForm(ctx, null)));
        routes.post("/keys", this::create);
        routes.get("/keys/{bot_id}/edit", ctx -> renderForm(ctx, 200, editForm(ctx, bot(ctx), null)));
        routes.post("/keys/{bot_id}/edit", this::modify);
        routes.post("/keys/{bot_id}/token", this::token);
        routes.post("/keys/{bot_id}/block", this::block);
        routes.post("/keys/{bot_id}/unblock", this::unblock);
        routes.post("/keys/{bot_id}/delete", this::delete);
        routes.post("/keys/policy", this::setPolicy);
    }

    private void list(Context ctx) {
        WebSession.requireAdmin(ctx);
        String query = ctx.queryParam("q") == null ? "" : ctx.queryParam("q").strip();
        if (query.length() > 100) query = query.substring(0, 100);
        String pattern = LikePattern.contains(query);
        Instant now = clock.instant();
        KeyListingQueries.ExpiryFilter expiry = KeyListingQueries.ExpiryFilter.of(ctx.queryParam("expiry"));
        String filter = expiry.param();
        KeyListingQueries listing = new KeyListingQueries(jdbi, expiry, now);
        String total = CappedCount.label(listing.cappedCount(pattern));
        Cursor after = Cursor.parse(ctx.queryParam("after")).orElse(null);
        Cursor before = after != null ? null : Cursor.parse(ctx.queryParam("before")).orElse(null);
        List<KeyListing> listings = List.of();
        boolean hasPrevious = false;
        boolean hasNext = false;
        String here = listHref(query, filter, null, null);
        if (before != null) {
            listings = listing.before(pattern, before, PAGE_SIZE + 1);
            if (listings.size() > PAGE_SIZE) {
                listings = listings.subList(1, listings.size());
                hasPrevious = true;
                hasNext = true;
                here = listHref(query, filter, "before", before);
            }
        } else if (after != null) {
            listings = listing.after(pattern, after, PAGE_SIZE + 1);
            hasPrevious = !listings.isEmpty();
            hasNext = listings.size() > PAGE_SIZE;
            here = listHref(query, filter, "after", after);
        }
        if (listings.isEmpty() || before != null && !hasPrevious) {
            // no cursor, one past the end, or back at the start: the first page
            listings = listing.after(pattern, null, PAGE_SIZE + 1);
            hasPrevious = false;
            hasNext = listings.size() > PAGE_SIZE;
            here = listHref(query, filter, null, null);
        }
        if (listings.size() > PAGE_SIZE) listings = listings.subList(0, PAGE_SIZE);
        List<Long> ids = listings.stream().map(KeyListing::id).toList();
        BotQueries.Details details = queries.detailsOf(ids);
        ServiceQueries.BotKeyServices opened = services.forBots(ids);
        List<KeysPages.Row> rows = listings.stream().map(k -> row(k, details, opened, now)).toList();
        String previous = hasPrevious ? listHref(query, filter, "before", cursorOf(listings.get(0))) : null;
        String next = hasNext ? listHref(query, filter, "after", cursorOf(listings.get(listings.size() - 1))) : null;
        User viewer = WebSession.requireAdmin(ctx);
        int lifetimeDays = keys.maxBotKeyLifetimeDays();
        KeysPages.ListPage view = new KeysPages.ListPage(Layout.of(ctx, "Keys"), query, total, rows,
                accounts(Set.of()), serviceChoices(Set.of()), previous, next, here, filter,
                new KeysPages.Policy(viewer.isOwner(), lifetimeDays == 0 ? "" : Integer.toString(lifetimeDays)));
        ctx.render("keys.jte", Map.of("page", view));
    }

    private static Cursor cursorOf(KeyListing listing) {
        return new Cursor(listing.sortName(), listing.id());
    }

    private void create(Context ctx) {
        User admin = WebSession.requireAdmin(ctx);
        String webhook = blankToNull(ctx.formParam("webhook_url"));
        try {
            BotActions.NewBot spec = new BotActions.NewBot(ctx.formParam("name"), null,
                    webhook == null ? BotType.GENERIC : BotType.OUTGOING_WEBHOOK, webhook, BotInterface.ZULIP,
                    BotForms.avatar(ctx, "avatar"), BotForms.ownerIds(ctx, "accounts"));
            Set<Long> chosen = Set.copyOf(BotForms.ownerIds(ctx, "services"));
            BotActions.Created created = bots.createBot(Actor.user(admin.id(), ctx.ip()), admin, spec, expiryField(ctx));
            if (!chosen.isEmpty()) guard.setChosenServices(Actor.user(admin.id(), ctx.ip()), created.bot().id(), chosen);
        } catch (InvalidInputException e) {
            renderForm(ctx, 400, newForm(ctx, FormError.of(e)));
            return;
        }
        Flash.KEY_CREATED.set(ctx);
        ctx.redirect(back(ctx), HttpStatus.SEE_OTHER);
    }

    private void modify(Context ctx) {
        User admin = WebSession.requireAdmin(ctx);
        Bot bot = bot(ctx);
        try {
            String webhook = ctx.formParam("webhook_url");
            BotActions.Changes changes = new BotActions.Changes(ctx.formParam("name"),
                    webhook == null ? null : webhook.strip(), null, BotForms.avatar(ctx, "avatar"), BotForms.ownerIds(ctx, "accounts"));
            Set<Long> chosen = Set.copyOf(BotForms.ownerIds(ctx, "services"));
            bots.updateBot(Actor.user(admin.id(), ctx.ip()), bot.id(), changes, expiryField(ctx));
            guard.setChosenServices(Actor.user(admin.id(), ctx.ip()), bot.id(), chosen);
        } catch (InvalidInputException e) {
            renderForm(ctx, 400, editForm(ctx, bot, FormError.of(e)));
            return;
        }
        Flash.KEY_MODIFIED.set(ctx);
        ctx.redirect(back(ctx), HttpStatus.SEE_OTHER);
    }

    /** The form's expiry date, when the form has the field (empty: no expiry); null leaves the expiry alone. */
    private static BotActions.KeyExpiry expiryField(Context ctx) {
        String raw = ctx.formParam("expires_on");
        return raw == null ? null : new BotActions.KeyExpiry(KeyLifetimes.expiry(raw));
    }

    /** Owners only: the maximum lifetime of bot keys issued from now on, in days (empty: none). */
    private void setPolicy(Context ctx) {
        User admin = WebSession.requireAdmin(ctx);
        if (!admin.isOwner()) throw new WebError(403, "Only the organization's owners may change the key policy.");
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
        Flash.KEY_POLICY_CHANGED.set(ctx);
        ctx.redirect("/keys", HttpStatus.SEE_OTHER);
    }

    /** The key itself, for the copy icon's script: fetched on demand, so the page never holds every key. */
    private void token(Context ctx) {
        User admin = WebSession.requireAdmin(ctx);
        Bot bot = bot(ctx);
        String key = bots.revealKey(Actor.user(admin.id(), ctx.ip()), bot.id(), "Keys page copy");
        ctx.header("Cache-Control", "no-store");
        ctx.contentType("text/plain; charset=utf-8").result(key);
    }

    private void block(Context ctx) {
        User admin = WebSession.requireAdmin(ctx);
        Bot bot = bot(ctx);
        if (!"yes".equals(ctx.formParam("confirmed"))) {
            confirm(ctx, "Block API Key", "Block the API key of " + bot.fullName() + "? It authenticates nothing until "
                    + "it is unblocked; its value stays the same.", "/keys/" + bot.id() + "/block", "Block");
            return;
        }
        bots.deactivate(Actor.user(admin.id(), ctx.ip()), bot.id());
        Flash.KEY_BLOCKED.set(ctx);
        ctx.redirect(back(ctx), HttpStatus.SEE_OTHER);
    }

    private void unblock(Context ctx) {
        User admin = WebSession.requireAdmin(ctx);
        Bot bot = bot(ctx);
        try {
            bots.reactivate(Actor.user(admin.id(), ctx.ip()), bot.id());
        } catch (InvalidInputException e) {
            throw new WebError(400, "This key cannot be unblocked: " + e.getMessage()
                    + " Rename the active account that uses its name first.");
        }
        Flash.KEY_UNBLOCKED.set(ctx);
        ctx.redirect(back(ctx), HttpStatus.SEE_OTHER);
    }

    private void delete(Context ctx) {
        User admin = WebSession.requireAdmin(ctx);
        Bot bot = bot(ctx);
        if (!"yes".equals(ctx.formParam("confirmed"))) {
            confirm(ctx, "Delete API Key", "Delete the API key of " + bot.fullName() + " for good? The bot and its key "
                    + "are removed; this cannot be undone.", "/keys/" + bot.id() + "/delete", "Delete");
            return;
        }
        bots.delete(Actor.user(admin.id(), ctx.ip()), bot.id());
        Flash.KEY_DELETED.set(ctx);
        ctx.redirect(back(ctx), HttpStatus.SEE_OTHER);
    }

    private Bot bot(Context ctx) {
        WebSession.requireAdmin(ctx);
        long id = PathIds.parse(ctx.pathParam("bot_id"), "There is no such API key.");
        return queries.find(id).orElseThrow(() -> new WebError(404, "There is no such API key."));
    }

    private KeysPages.FormPage newForm(Context ctx, FormError error) {
        WebSession.requireAdmin(ctx);
        Set<Long> checked = BotForms.ownerIdsForRedisplay(ctx, "accounts");
        return new KeysPages.FormPage(Layout.of(ctx, "New API Key"), 0, orEmpty(ctx.formParam("name")),
                orEmpty(ctx.formParam("webhook_url")), accounts(checked),
                serviceChoices(BotForms.ownerIdsForRedisplay(ctx, "services")), error, back(ctx),
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
        Set<Long> chosenServices = posted ? BotForms.ownerIdsForRedisplay(ctx, "services")
                : Set.copyOf(services.forBots(List.of(bot.id())).chosenIds(bot.id()));
        String expiresOn = posted ? orEmpty(ctx.formParam("expires_on"))
                : Dates.isoDay(keyQueries.currentKey(bot.id()).map(ApiKeyQueries.CurrentKey::expiresAt).orElse(null));
        return new KeysPages.FormPage(Layout.of(ctx, "Modify API Key"), bot.id(), name, webhook,
                accounts(checked), serviceChoices(chosenServices), error, back(ctx), expiresOn);
    }

    private static void renderForm(Context ctx, int status, KeysPages.FormPage page) {
        ctx.status(status).render("key_form.jte", Map.of("page", page));
    }

    private void confirm(Context ctx, String title, String question, String action, String label) {
        ConfirmPage.show(ctx, title, title, question, action, label, back(ctx));
    }

    private List<OwnerChoice> accounts(Set<Long> checked) {
        return users.activeHumans().stream()
                .map(u -> new OwnerChoice(u.id(), u.fullName(), u.email(), checked.contains(u.id()))).toList();
    }

    private List<ServiceChoice> serviceChoices(Set<Long> checked) {
        return services.chosenAccessServices().stream()
                .map(s -> new ServiceChoice(s.id(), s.name(), checked.contains(s.id()))).toList();
    }

    private KeysPages.Row row(KeyListing k, BotQueries.Details details, ServiceQueries.BotKeyServices opened, Instant now) {
        List<BotOwner> owners = details.owners(k.id());
        return new KeysPages.Row(k.id(), k.fullName(), k.email(), BotType.fromCode(k.botType()).orElseThrow().label(),
                !k.isActive(), AvatarPaths.of(k.id(), k.avatarVersion()),
                owners.stream().map(BotOwner::fullName).collect(Collectors.joining(", ")),
                owners.stream().map(o -> Long.toString(o.userId())).collect(Collectors.joining(",")),
                details.service(k.id()).map(BotService::payloadUrl).orElse(""),
                opened.names(k.id()).isEmpty() ? "—" : String.join(", ", opened.names(k.id())),
                opened.chosenIds(k.id()).stream().map(String::valueOf).collect(Collectors.joining(",")),
                Dates.minute(k.keyCreatedAt(), "—"), Dates.minute(k.lastUsedAt(), "Never"),
                Dates.expiry(k.keyExpiresAt(), now), Dates.isoDay(k.keyExpiresAt()),
                k.recentAddresses() == null ? "" : k.recentAddresses());
    }




    /** Where to return after an action: the list as it was (a local /keys address only). */
    private static String back(Context ctx) {
        String back = ctx.formParam("back");
        if (back == null) back = ctx.queryParam("back");
        return back != null && (back.equals("/keys") || back.startsWith("/keys?")) && !back.contains("\\")
                && back.chars().noneMatch(Character::isISOControl) ? back : "/keys";
    }

    /** The list for {@code query} and the expiry {@code filter}, continuing {@code direction} ("after" or "before") {@code cursor} when given. */
    static String listHref(String query, String filter, String direction, Cursor cursor) {
        StringBuilder href = new StringBuilder("/keys");
        String sep = "?";
        if (!query.isEmpty()) {
            href.append(sep).append("q=").append(URLEncoder.encode(query, StandardCharsets.UTF_8));
            sep = "&";
        }
        if (!filter.equals("all")) {
            href.append(sep).append("expiry=").append(filter);
            sep = "&";
        }
        if (cursor != null) href.append(sep).append(direction).append('=').append(cursor.param());
        return href.toString();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
