package dev.keydesk.bot;

import dev.keydesk.user.UserQueries;
import dev.keydesk.guard.ServiceQueries;
import dev.keydesk.outbox.OutboxQueries;
import dev.keydesk.web.Dates;
import dev.keydesk.errors.NotFoundException;
import dev.keydesk.api.PathIds;
import dev.keydesk.web.Layout;
import dev.keydesk.audit.Actor;
import dev.keydesk.bot.BotPages.Choice;
import dev.keydesk.bot.BotPages.OwnerChoice;
import dev.keydesk.bot.BotPages.Row;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.user.User;
import dev.keydesk.apikey.Zuliprc;
import dev.keydesk.web.ConfirmPage;
import dev.keydesk.web.Flash;
import dev.keydesk.web.FormError;
import dev.keydesk.web.WebError;
import dev.keydesk.session.WebSession;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import dev.keydesk.db.LikePattern;
import dev.keydesk.web.CappedCount;
import dev.keydesk.web.Cursor;
import dev.keydesk.web.KeysetPage;
import dev.keydesk.web.Moment;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Your bots: the list with its Actions column, "Add a new bot", and each bot's details
 * ("manage bot": API key and Zuliprc configuration), edit, deactivate and reactivate.
 * Pages answer 404 for a bot the user may not manage, so they do not reveal it exists.
 */
public final class BotRoutes {
    static final int PAGE_SIZE = 50;

    private final BotAccess access;
    private final BotActions bots;
    private final BotQueries queries;
    private final UserQueries users;
    private final OutboxQueries outbox;
    private final ServiceQueries services;
    private final String site;
    private final String botDomain;

    public BotRoutes(BotAccess access, BotActions bots, BotQueries queries, UserQueries users, OutboxQueries outbox,
                     ServiceQueries services, String site, String botDomain) {
        this.access = access;
        this.bots = bots;
        this.queries = queries;
        this.users = users;
        this.outbox = outbox;
        this.services = services;
        this.site = site;
        this.botDomain = botDomain;
    }

    public void register(RoutesConfig routes) {
        routes.get("/bots", this::list);
        routes.get("/bots/new", ctx -> renderForm(ctx, 200, newForm(ctx, null)));
        routes.post("/bots", this::create);
        routes.get("/bots/{bot_id}", this::details);
        routes.get("/bots/{bot_id}/zuliprc", this::downloadZuliprc);
        routes.post("/bots/{bot_id}/api-key/regenerate", this::regenerate);
        routes.get("/bots/{bot_id}/edit", ctx -> renderForm(ctx, 200, editForm(ctx, manageable(ctx), null)));
        routes.post("/bots/{bot_id}/edit", this::update);
        routes.post("/bots/{bot_id}/deactivate", this::deactivate);
        routes.post("/bots/{bot_id}/reactivate", this::reactivate);
    }

    private Bot manageable(Context ctx) {
        User user = WebSession.requireUser(ctx);
        try {
            return access.requireManageable(user, PathIds.parse(ctx.pathParam("bot_id"), "No such bot"));
        } catch (BotAccess.Denied | NotFoundException denied) {
            throw new WebError(404, "There is no such bot, or it is not yours to manage.");
        }
    }

    private static Actor actor(Context ctx) {
        return Actor.user(WebSession.requireUser(ctx).id(), ctx.ip());
    }

    private void list(Context ctx) {
        User user = WebSession.requireUser(ctx);
        boolean inactiveTab = "inactive".equals(ctx.queryParam("tab"));
        String query = ctx.queryParam("q") == null ? "" : ctx.queryParam("q").strip();
        if (query.length() > 100) query = query.substring(0, 100);
        OwnedBotQueries owned = queries.owned();
        OwnedBotQueries.Filter filter = new OwnedBotQueries.Filter(user.id(), !inactiveTab, LikePattern.contains(query));
        KeysetPage<OwnedBotQueries.Listed> shown = KeysetPage.of(owned.source(filter),
                Cursor.parse(ctx.queryParam("after")).orElse(null), Cursor.parse(ctx.queryParam("before")).orElse(null), PAGE_SIZE);
        Flash.Taken notice = Flash.takeWithSubject(ctx);
        String noticeText = notice == null ? null : notice.message(notice.subjectId() == null ? null
                : queries.find(notice.subjectId()).filter(b -> access.canManage(user, b.id())).map(Bot::fullName).orElse(null));
        BotQueries.Details details = queries.detailsOf(shown.rows().stream().map(OwnedBotQueries.Listed::id).toList());
        long[] counts = owned.counts(user.id());
        Instant now = Instant.now();
        List<BotPages.ListRow> rows = shown.rows().stream().map(listed -> {
            Bot bot = listed.bot();
            return new BotPages.ListRow(bot.id(), bot.fullName(), bot.email(), bot.type().label(), owners(bot.id(), details),
                    bot.avatarPath(), bot.isActive(), Moment.of(listed.lastUsedAt(), now, "Never"),
                    notice != null && notice.isAbout(bot.id()));
        }).toList();
        String tab = inactiveTab ? "inactive" : "";
        String previous = shown.hasPrevious() ? listHref(tab, query, "before", shown.rows().get(0).cursor()) : null;
        String next = shown.hasNext() ? listHref(tab, query, "after", shown.rows().get(shown.rows().size() - 1).cursor()) : null;
        BotPages.ListPage page = new BotPages.ListPage(Layout.withNotice(ctx, "Your bots", noticeText), inactiveTab,
                counts[0], counts[1], query, CappedCount.label(owned.cappedCount(filter)), rows, previous, next,
                listHref(tab, query, shown.direction(), shown.cursor()), !user.isGuest());
        ctx.render("bots.jte", Map.of("page", page));
    }

    /** Your bots with this tab and search, continuing {@code direction} ("after" or "before") {@code cursor} when given. */
    static String listHref(String tab, String query, String direction, Cursor cursor) {
        StringBuilder href = new StringBuilder("/bots");
        String sep = "?";
        if (!tab.isEmpty()) {
            href.append(sep).append("tab=").append(tab);
            sep = "&";
        }
        if (!query.isEmpty()) {
            href.append(sep).append("q=").append(URLEncoder.encode(query, StandardCharsets.UTF_8));
            sep = "&";
        }
        if (cursor != null) href.append(sep).append(direction).append('=').append(cursor.param());
        return href.toString();
    }

    /** Where to return after an action on a row: the list as it was shown (a local /bots address only). */
    private static String back(Context ctx, String fallback) {
        String back = ctx.formParam("back");
        return back != null && (back.equals("/bots") || back.startsWith("/bots?")) && back.length() <= 1000
                && !back.contains("\\") && back.chars().noneMatch(Character::isISOControl) ? back : fallback;
    }

    private void details(Context ctx) {
        Bot bot = manageable(ctx);
        BotQueries.Details details = queries.details(List.of(bot));
        Actor actor = actor(ctx);
        BotActions.Credentials credentials = bots.credentials(actor, bot, "bot details page");
        var service = details.service(bot.id());
        BotPages.DetailPage page = new BotPages.DetailPage(Layout.of(ctx, bot.fullName()), row(bot, details),
                credentials.apiKey(), credentials.zuliprc(site), service.map(BotService::payloadUrl).orElse(null),
                service.map(s -> s.botInterface().label()).orElse(null), deliveries(bot.id()),
                services.forBots(List.of(bot.id())).names(bot.id()));
        ctx.header("Cache-Control", "no-store");
        ctx.render("bot.jte", Map.of("page", page));
    }

    private List<BotPages.DeliveryRow> deliveries(long botId) {
        return outbox.deliveriesFor(botId, 20).stream()
                .map(d -> new BotPages.DeliveryRow(d.event(), Dates.second(d.createdAt()), d.status(),
                        d.attempts() + " of " + d.maxAttempts(),
                        d.deliveredAt() != null ? "at " + Dates.second(d.deliveredAt())
                                : d.lastError() == null ? "" : d.lastError()
                                + (d.failedAt() == null ? "; next try " + Dates.second(d.nextAttemptAt()) : "")))
                .toList();
    }

    private void downloadZuliprc(Context ctx) {
        Bot bot = manageable(ctx);
        Zuliprc.send(ctx, bots.credentials(actor(ctx), bot, "zuliprc download").zuliprc(site));
    }

    private void regenerate(Context ctx) {
        Bot bot = manageable(ctx);
        if (!"yes".equals(ctx.formParam("confirmed"))) {
            confirm(ctx, "Generate a new API key for " + bot.fullName() + "?",
                    "The bot's current key stops working immediately. Anything using it, including its zuliprc file, "
                            + "must be given the new key.",
                    "/bots/" + bot.id() + "/api-key/regenerate", "Yes, generate a new key", "/bots/" + bot.id() + "#api-key");
            return;
        }
        bots.regenerateKey(actor(ctx), bot.id());
        Flash.BOT_KEY_REGENERATED.set(ctx);
        ctx.redirect("/bots/" + bot.id() + "#api-key", HttpStatus.SEE_OTHER);
    }

    private void deactivate(Context ctx) {
        Bot bot = manageable(ctx);
        if (!"yes".equals(ctx.formParam("confirmed"))) {
            ConfirmPage.showReturning(ctx, "Please confirm", "Deactivate " + bot.fullName() + "?",
                    "The bot's API key stops working until the bot is reactivated. The key itself is kept.",
                    "/bots/" + bot.id() + "/deactivate", "Yes, deactivate", back(ctx, "/bots"));
            return;
        }
        bots.deactivate(actor(ctx), bot.id());
        Flash.BOT_DEACTIVATED.set(ctx, bot.id());
        ctx.redirect(back(ctx, "/bots"), HttpStatus.SEE_OTHER);
    }

    private void reactivate(Context ctx) {
        Bot bot = manageable(ctx);
        try {
            bots.reactivate(actor(ctx), bot.id());
        } catch (InvalidInputException e) {
            throw new WebError(400, "This bot cannot be reactivated: " + e.getMessage()
                    + " Rename the active account that uses its name first.");
        }
        Flash.BOT_REACTIVATED.set(ctx, bot.id());
        ctx.redirect(back(ctx, "/bots?tab=inactive"), HttpStatus.SEE_OTHER);
    }

    private void create(Context ctx) {
        User user = WebSession.requireUser(ctx);
        BotType type;
        try {
            type = BotRules.type(ctx.formParam("bot_type"));
            BotActions.NewBot spec = new BotActions.NewBot(ctx.formParam("full_name"), ctx.formParam("short_name"), type,
                    ctx.formParam("payload_url"), BotRules.botInterface(ctx.formParam("interface_type")),
                    uploadedAvatar(ctx), List.of());
            BotActions.Created created = bots.createBot(actor(ctx), user, spec);
            Flash.BOT_CREATED.set(ctx);
            ctx.redirect("/bots/" + created.bot().id() + "#api-key", HttpStatus.SEE_OTHER);
        } catch (InvalidInputException e) {
            renderForm(ctx, 400, newForm(ctx, FormError.of(e)));
        }
    }

    private void update(Context ctx) {
        Bot bot = manageable(ctx);
        try {
            List<Long> owners = BotForms.ownerIds(ctx, "owner_ids");
            BotActions.Changes changes = new BotActions.Changes(ctx.formParam("full_name"),
                    bot.type() == BotType.OUTGOING_WEBHOOK ? ctx.formParam("payload_url") : null,
                    bot.type() == BotType.OUTGOING_WEBHOOK ? BotRules.botInterface(ctx.formParam("interface_type")) : null,
                    uploadedAvatar(ctx), owners);
            bots.updateBot(actor(ctx), bot.id(), changes);
            Flash.BOT_UPDATED.set(ctx);
            boolean stillManages = access.canManage(WebSession.requireUser(ctx), bot.id());
            ctx.redirect(stillManages ? "/bots/" + bot.id() : "/bots", HttpStatus.SEE_OTHER);
        } catch (InvalidInputException e) {
            renderForm(ctx, 400, editForm(ctx, bot, FormError.of(e)));
        }
    }

    private BotPages.FormPage newForm(Context ctx, FormError error) {
        WebSession.requireUser(ctx);
        BotType type = safeType(ctx.formParam("bot_type"));
        return new BotPages.FormPage(Layout.of(ctx, "Add a new bot"), 0, orEmpty(ctx.formParam("full_name")),
                orEmpty(ctx.formParam("short_name")), typeChoices(type), orEmpty(ctx.formParam("payload_url")),
                interfaceChoices(ctx.formParam("interface_type")), true, List.of(), error, botDomain);
    }

    private BotPages.FormPage editForm(Context ctx, Bot bot, FormError error) {
        var service = queries.details(List.of(bot)).service(bot.id());
        Set<Long> owners = ctx.method().name().equals("POST")
                ? BotForms.ownerIdsForRedisplay(ctx, "owner_ids")
                : Set.copyOf(queries.details(List.of(bot)).ownerIds(bot.id()));
        List<OwnerChoice> choices = users.activeHumans().stream()
                .map(u -> new OwnerChoice(u.id(), u.fullName(), u.email(), owners.contains(u.id()))).toList();
        String name = ctx.formParam("full_name") != null ? ctx.formParam("full_name") : bot.fullName();
        String url = ctx.formParam("payload_url") != null ? ctx.formParam("payload_url")
                : service.map(BotService::payloadUrl).orElse("");
        String iface = ctx.formParam("interface_type") != null ? ctx.formParam("interface_type")
                : service.map(s -> Integer.toString(s.interfaceType())).orElse(null);
        return new BotPages.FormPage(Layout.of(ctx, "Edit " + bot.fullName()), bot.id(), name, "",
                typeChoices(bot.type()), url, interfaceChoices(iface), bot.type() == BotType.OUTGOING_WEBHOOK,
                choices, error, botDomain);
    }

    private static void renderForm(Context ctx, int status, BotPages.FormPage page) {
        ctx.status(status).render("bot_form.jte", Map.of("page", page));
    }

    private static void confirm(Context ctx, String question, String explanation, String action, String label,
                                String cancel) {
        ConfirmPage.show(ctx, "Please confirm", question, explanation, action, label, cancel);
    }

    private Row row(Bot bot, BotQueries.Details details) {
        return new Row(bot.id(), bot.fullName(), bot.email(), bot.type().label(), owners(bot.id(), details),
                bot.avatarPath(), bot.isActive());
    }

    private static String owners(long botId, BotQueries.Details details) {
        return details.owners(botId).stream().map(BotOwner::fullName).collect(Collectors.joining(", "));
    }

    private static List<Choice> typeChoices(BotType selected) {
        return Arrays.stream(BotType.values())
                .map(t -> new Choice(Integer.toString(t.code()), t.label(), t == selected)).toList();
    }

    private static List<Choice> interfaceChoices(String raw) {
        BotInterface selected = safeInterface(raw);
        List<Choice> out = new ArrayList<>();
        for (BotInterface i : BotInterface.values()) {
            out.add(new Choice(Integer.toString(i.code()), i.label(), i == selected));
        }
        return out;
    }

    private static BotType safeType(String raw) {
        try {
            return BotRules.type(raw);
        } catch (InvalidInputException e) {
            return BotType.GENERIC;
        }
    }

    private static BotInterface safeInterface(String raw) {
        try {
            return BotRules.botInterface(raw);
        } catch (InvalidInputException e) {
            return BotInterface.ZULIP;
        }
    }



    private static byte[] uploadedAvatar(Context ctx) {
        return BotForms.avatar(ctx, "avatar");
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
