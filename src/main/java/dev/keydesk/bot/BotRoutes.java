package dev.keydesk.bot;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.account.Reauthentication;
import dev.keydesk.account.StepUpRoutes;
import dev.keydesk.db.PageRead;
import dev.keydesk.errors.NotFoundException;
import dev.keydesk.api.PathIds;
import dev.keydesk.web.Layout;
import dev.keydesk.web.ListAddress;
import dev.keydesk.bot.BotPages.Choice;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.user.User;
import dev.keydesk.apikey.KeyLifetimes;
import dev.keydesk.apikey.Zuliprc;
import java.time.Duration;
import dev.keydesk.web.ConfirmPage;
import dev.keydesk.web.Flash;
import dev.keydesk.web.FormError;
import dev.keydesk.web.WebError;
import dev.keydesk.session.WebSession;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import org.jdbi.v3.core.Jdbi;
import io.javalin.http.HttpStatus;
import dev.keydesk.web.Cursor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Your bots: the list with its Actions column, "Add a new bot", and each bot's details
 * ("manage bot": API key and Zuliprc configuration), edit, deactivate and reactivate.
 * Pages answer 404 for a bot the user may not manage, so they do not reveal it exists.
 */
public final class BotRoutes {
    private final Jdbi jdbi;
    private final BotAccess access;
    private final BotActions bots;
    private final BotQueries queries;
    private final BotPageQueries pages;
    private final String site;
    private final String botDomain;
    private final Reauthentication reauthentication;

    public BotRoutes(Jdbi jdbi, BotAccess access, BotActions bots, BotQueries queries, BotPageQueries pages, String site,
                     String botDomain, Reauthentication reauthentication) {
        this.reauthentication = reauthentication;
        this.jdbi = jdbi;
        this.access = access;
        this.bots = bots;
        this.queries = queries;
        this.pages = pages;
        this.site = site;
        this.botDomain = botDomain;
    }

    public void register(RoutesConfig routes) {
        routes.get("/bots", this::list, RouteAccess.SIGNED_IN);
        routes.get("/bots/new", ctx -> renderForm(ctx, 200, newForm(ctx, null)), RouteAccess.SIGNED_IN);
        routes.post("/bots", this::create, RouteAccess.SIGNED_IN);
        routes.get("/bots/{bot_id}", this::details, RouteAccess.SIGNED_IN);
        routes.get("/bots/{bot_id}/zuliprc", this::downloadZuliprc, RouteAccess.SIGNED_IN);
        routes.post("/bots/{bot_id}/api-key/regenerate", this::regenerate, RouteAccess.SIGNED_IN);
        routes.post("/bots/{bot_id}/api-key/old/{key_id}/end", this::endGracePeriod, RouteAccess.SIGNED_IN);
        routes.post("/bots/{bot_id}/api-key/expiry", this::setExpiry, RouteAccess.SIGNED_IN);
        routes.get("/bots/{bot_id}/edit", ctx -> renderForm(ctx, 200, editForm(ctx, manageable(ctx), null)), RouteAccess.SIGNED_IN);
        routes.post("/bots/{bot_id}/edit", this::update, RouteAccess.SIGNED_IN);
        routes.post("/bots/{bot_id}/deactivate", this::deactivate, RouteAccess.SIGNED_IN);
        routes.post("/bots/{bot_id}/reactivate", this::reactivate, RouteAccess.SIGNED_IN);
    }

    private Bot manageable(Context ctx) {
        User user = WebSession.caller(ctx);
        try {
            return access.requireManageable(user, PathIds.parse(ctx.pathParam("bot_id"), "No such bot"));
        } catch (BotAccess.Denied | NotFoundException denied) {
            throw new WebError(404, "There is no such bot, or it is not yours to manage.");
        }
    }

    private void list(Context ctx) {
        User user = WebSession.caller(ctx);
        String typed = ctx.queryParam("q") == null ? "" : ctx.queryParam("q").strip();
        var request = new BotPageQueries.YourBotsRequest("inactive".equals(ctx.queryParam("tab")),
                typed.length() > 100 ? typed.substring(0, 100) : typed,
                Cursor.parse(ctx.queryParam("after")).orElse(null), Cursor.parse(ctx.queryParam("before")).orElse(null));
        Flash.Taken notice = Flash.takeWithSubject(ctx);
        // One read-only transaction for every read of the page.
        BotPages.ListPage page = PageRead.of(jdbi, () -> pages.yourBots(user, request, notice,
                noticeText -> Layout.withNotice(ctx, "Your bots", noticeText)));
        ctx.render("bots.jte", Map.of("page", page));
    }

    /** Where to return after an action on a row: the list as it was shown (a local /bots address only). */
    private static String back(Context ctx, String fallback) {
        return ListAddress.of(ctx.formParam("back"), "/bots").orElse(fallback);
    }

    /** The Keys page address the form came from, or null when it came from elsewhere. */
    private static String keysPage(Context ctx) {
        return ListAddress.of(ctx.formParam("back"), "/keys").orElse(null);
    }

    private void details(Context ctx) {
        // Who may see the bot, whether a proof is due and the page itself share one read-only
        // transaction. An account with a second factor sees the key only after a fresh proof; the rest
        // of the page needs none. Revealing the key writes its audit row, so it comes after the reads.
        record Read(Bot bot, boolean stepUpDue, BotPages.DetailPage page) {}
        Read read = PageRead.of(jdbi, () -> {
            Bot bot = manageable(ctx);
            boolean due = reauthentication.stepUpDue(WebSession.requireSession(ctx), WebSession.caller(ctx));
            return new Read(bot, due, pages.botPage(Layout.of(ctx, bot.fullName()), bot,
                    due ? StepUpRoutes.address("/bots/" + bot.id() + "#api-key") : null));
        });
        BotPages.DetailPage page = read.stepUpDue() ? read.page()
                : read.page().withCredentials(bots.credentials(WebSession.actor(ctx), read.bot(), "bot details page"), site);
        ctx.header("Cache-Control", "no-store");
        ctx.render("bot.jte", Map.of("page", page));
    }



    private void downloadZuliprc(Context ctx) {
        Bot bot = manageable(ctx);
        if (StepUpRoutes.sentToStepUp(ctx, reauthentication, "/bots/" + bot.id() + "/zuliprc")) return;
        Zuliprc.send(ctx, bots.credentials(WebSession.actor(ctx), bot, "zuliprc download").zuliprc(site));
    }

    /**
     * Without {@code confirmed=yes}, asks first, offering how long the old key keeps working
     * ({@code grace_period} in seconds; at once by default). {@code back=keys} returns to the Keys page.
     */
    private void regenerate(Context ctx) {
        Bot bot = manageable(ctx);
        // Asked from the Keys page, the answer returns to that page as it was (search, filters, order, page).
        String keysPage = keysPage(ctx);
        String done = keysPage != null ? keysPage : "/bots/" + bot.id() + "#api-key";
        // A POST cannot be replayed after the proof: the person comes back to where they asked and asks again.
        if (StepUpRoutes.sentToStepUp(ctx, reauthentication, done)) return;
        if (!"yes".equals(ctx.formParam("confirmed"))) {
            BotPages.RegeneratePage page = new BotPages.RegeneratePage(Layout.of(ctx, "Please confirm"),
                    "Generate a new API key for " + bot.fullName() + "?", "/bots/" + bot.id() + "/api-key/regenerate",
                    BotPageQueries.graceChoices(), keysPage != null ? keysPage : "", done);
            ctx.render("bot_regenerate.jte", Map.of("page", page));
            return;
        }
        Duration grace;
        try {
            grace = KeyLifetimes.grace(ctx.formParam("grace_period"));
        } catch (InvalidInputException e) {
            throw new WebError(400, e.getMessage());
        }
        var replaced = bots.regenerateKey(WebSession.actor(ctx), bot.id(), grace);
        (replaced.oldKeyWorksUntil() == null ? BotNotices.BOT_KEY_REGENERATED : BotNotices.BOT_KEY_ROTATED).set(ctx);
        ctx.redirect(done, HttpStatus.SEE_OTHER);
    }

    /** One click: the old key stops now. */
    private void endGracePeriod(Context ctx) {
        Bot bot = manageable(ctx);
        long keyId = PathIds.parse(ctx.pathParam("key_id"), "No such key");
        if (!bots.endGracePeriod(WebSession.actor(ctx), bot.id(), keyId)) {
            throw new WebError(404, "That old key no longer works: its grace period has already ended.");
        }
        BotNotices.GRACE_PERIOD_ENDED.set(ctx);
        ctx.redirect("/bots/" + bot.id() + "#api-key", HttpStatus.SEE_OTHER);
    }

    /** {@code expires_on}: a day (the key stops at its start, UTC); empty for no expiry. */
    private void setExpiry(Context ctx) {
        Bot bot = manageable(ctx);
        try {
            bots.setKeyExpiry(WebSession.actor(ctx), bot.id(), KeyLifetimes.expiry(ctx.formParam("expires_on")));
        } catch (InvalidInputException e) {
            throw new WebError(400, "The expiry was not changed: " + e.getMessage());
        }
        BotNotices.KEY_EXPIRY_CHANGED.set(ctx);
        ctx.redirect("/bots/" + bot.id() + "#api-key", HttpStatus.SEE_OTHER);
    }

    private void deactivate(Context ctx) {
        Bot bot = manageable(ctx);
        if (!"yes".equals(ctx.formParam("confirmed"))) {
            ConfirmPage.showReturning(ctx, "Please confirm", "Block " + bot.fullName() + "?",
                    "The bot's API key stops working until the bot is unblocked. The key itself is kept.",
                    "/bots/" + bot.id() + "/deactivate", "Yes, block", back(ctx, "/bots"));
            return;
        }
        bots.deactivate(WebSession.actor(ctx), bot.id());
        BotNotices.BOT_DEACTIVATED.set(ctx, bot.id());
        ctx.redirect(back(ctx, "/bots"), HttpStatus.SEE_OTHER);
    }

    private void reactivate(Context ctx) {
        Bot bot = manageable(ctx);
        try {
            bots.reactivate(WebSession.actor(ctx), bot.id());
        } catch (InvalidInputException e) {
            throw new WebError(400, "This bot cannot be unblocked: " + e.getMessage()
                    + " Rename the active account that uses its name first.");
        }
        BotNotices.BOT_REACTIVATED.set(ctx, bot.id());
        ctx.redirect(back(ctx, "/bots?tab=inactive"), HttpStatus.SEE_OTHER);
    }

    private void create(Context ctx) {
        User user = WebSession.caller(ctx);
        BotType type;
        try {
            type = BotRules.type(ctx.formParam("bot_type"));
            BotActions.NewBot spec = new BotActions.NewBot(ctx.formParam("full_name"), ctx.formParam("short_name"), type,
                    ctx.formParam("payload_url"), BotRules.botInterface(ctx.formParam("interface_type")),
                    uploadedAvatar(ctx), List.of());
            BotActions.Created created = bots.createBot(WebSession.actor(ctx), user, spec);
            BotNotices.BOT_CREATED.set(ctx);
            ctx.redirect("/bots/" + created.bot().id() + "#api-key", HttpStatus.SEE_OTHER);
        } catch (InvalidInputException e) {
            renderForm(ctx, 400, newForm(ctx, FormError.of(e)));
        }
    }

    private void update(Context ctx) {
        Bot bot = manageable(ctx);
        if (AccountPicker.isSearch(ctx)) {
            renderForm(ctx, 200, editForm(ctx, bot, null));
            return;
        }
        try {
            List<Long> owners = BotForms.ownerIds(ctx, "owner_ids");
            BotActions.Changes changes = new BotActions.Changes(ctx.formParam("full_name"),
                    bot.type() == BotType.OUTGOING_WEBHOOK ? ctx.formParam("payload_url") : null,
                    bot.type() == BotType.OUTGOING_WEBHOOK ? BotRules.botInterface(ctx.formParam("interface_type")) : null,
                    uploadedAvatar(ctx), owners);
            bots.updateBot(WebSession.actor(ctx), bot.id(), changes);
            BotNotices.BOT_UPDATED.set(ctx);
            boolean stillManages = access.canManage(WebSession.caller(ctx), bot.id());
            ctx.redirect(stillManages ? "/bots/" + bot.id() : "/bots", HttpStatus.SEE_OTHER);
        } catch (InvalidInputException e) {
            renderForm(ctx, 400, editForm(ctx, bot, FormError.of(e)));
        }
    }

    private BotPages.FormPage newForm(Context ctx, FormError error) {
        BotType type = safeType(ctx.formParam("bot_type"));
        return new BotPages.FormPage(Layout.of(ctx, "Add a new bot"), 0, orEmpty(ctx.formParam("full_name")),
                orEmpty(ctx.formParam("short_name")), typeChoices(type), orEmpty(ctx.formParam("payload_url")),
                interfaceChoices(ctx.formParam("interface_type")), true, null, error, botDomain);
    }

    private BotPages.FormPage editForm(Context ctx, Bot bot, FormError error) {
        var service = queries.details(List.of(bot)).service(bot.id());
        Set<Long> owners = ctx.method().name().equals("POST")
                ? BotForms.ownerIdsForRedisplay(ctx, "owner_ids")
                : Set.copyOf(queries.details(List.of(bot)).ownerIds(bot.id()));
        AccountPicker choices = pages.ownerPicker(WebSession.caller(ctx), owners, AccountPicker.searchOf(ctx));
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
