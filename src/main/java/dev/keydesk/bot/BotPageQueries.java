package dev.keydesk.bot;

import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.apikey.ApiKeyQueries;
import dev.keydesk.apikey.KeyLifetimes;
import dev.keydesk.db.LikePattern;
import dev.keydesk.guard.ServiceQueries;
import dev.keydesk.outbox.OutboxQueries;
import dev.keydesk.usage.UsageQueries;
import dev.keydesk.usage.UsageReport;
import dev.keydesk.user.User;
import dev.keydesk.user.UserQueries;
import dev.keydesk.web.CappedCount;
import dev.keydesk.web.Cursor;
import dev.keydesk.web.Dates;
import dev.keydesk.web.Flash;
import dev.keydesk.web.KeysetPage;
import dev.keydesk.web.Layout;
import dev.keydesk.web.Moment;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

/** What the bot pages show: Your bots, a bot's page (its key's life, its deliveries) and whom a form may pick as owners. */
public final class BotPageQueries {
    static final int PAGE_SIZE = 50;

    private final BotQueries queries;
    private final BotAccess access;
    private final UserQueries users;
    private final OutboxQueries outbox;
    private final ServiceQueries services;
    private final ApiKeyQueries keyQueries;
    private final ApiKeyActions keyActions;
    private final UsageQueries usage;
    private final Clock clock;

    public BotPageQueries(BotQueries queries, BotAccess access, UserQueries users, OutboxQueries outbox,
                          ServiceQueries services, ApiKeyQueries keyQueries, ApiKeyActions keyActions, UsageQueries usage, Clock clock) {
        this.queries = queries;
        this.access = access;
        this.users = users;
        this.outbox = outbox;
        this.services = services;
        this.keyQueries = keyQueries;
        this.keyActions = keyActions;
        this.usage = usage;
        this.clock = clock;
    }

    /** Which part of Your bots a request asks for: the tab, the search and where the page starts. */
    record YourBotsRequest(boolean inactiveTab, String query, Cursor after, Cursor before) {}

    /** Your bots for {@code user}; {@code layout} makes the page's layout with the notice's words, if any. */
    BotPages.ListPage yourBots(User user, YourBotsRequest request, Flash.Taken notice, Function<String, Layout> layout) {
        OwnedBotQueries owned = queries.owned();
        OwnedBotQueries.Filter filter = new OwnedBotQueries.Filter(user.id(), !request.inactiveTab(),
                LikePattern.contains(request.query()));
        KeysetPage<OwnedBotQueries.Listed> shown = KeysetPage.of(owned.source(filter), request.after(), request.before(), PAGE_SIZE);
        String noticeText = notice == null ? null : notice.message(notice.subjectId() == null ? null
                : queries.find(notice.subjectId()).filter(b -> access.canManage(user, b.id())).map(Bot::fullName).orElse(null));
        BotQueries.Details details = queries.detailsOf(shown.rows().stream().map(OwnedBotQueries.Listed::id).toList());
        long[] counts = owned.counts(user.id());
        Instant now = clock.instant();
        List<BotPages.ListRow> rows = shown.rows().stream().map(listed -> {
            Bot bot = listed.bot();
            return new BotPages.ListRow(bot.id(), bot.fullName(), bot.email(), bot.type().label(), owners(bot.id(), details),
                    bot.avatarPath(), bot.isActive(), Moment.of(listed.lastUsedAt(), now, "Never"),
                    notice != null && notice.isAbout(bot.id()));
        }).toList();
        String tab = request.inactiveTab() ? "inactive" : "";
        String query = request.query();
        String previous = shown.hasPrevious() ? listHref(tab, query, "before", shown.rows().get(0).cursor()) : null;
        String next = shown.hasNext() ? listHref(tab, query, "after", shown.rows().get(shown.rows().size() - 1).cursor()) : null;
        return new BotPages.ListPage(layout.apply(noticeText), request.inactiveTab(),
                counts[0], counts[1], query, CappedCount.label(owned.cappedCount(filter, counts)), rows, previous, next,
                listHref(tab, query, shown.direction(), shown.cursor()), !user.isGuest());
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

    /**
     * A bot's page without its key and zuliprc, which {@link BotPages.DetailPage#withCredentials} adds
     * once revealed; with {@code stepUpHref}, the key is not shown until the proof there is given.
     */
    BotPages.DetailPage botPage(Layout layout, Bot bot, String stepUpHref) {
        BotQueries.Details details = queries.details(List.of(bot));
        var service = details.service(bot.id());
        return new BotPages.DetailPage(layout, row(bot, details), null, null,
                service.map(BotService::payloadUrl).orElse(null),
                service.map(s -> s.botInterface().label()).orElse(null), deliveries(bot.id()),
                services.forBots(List.of(bot.id())).names(bot.id()), keyLife(bot.id()), stepUpHref,
                usage.reports(bot.id(), UsageQueries.KeyGroup.ACCOUNT, clock.instant()).getOrDefault(bot.id(), UsageReport.EMPTY));
    }

    /** Administrators may pick anyone; a member finds only the people {@link BotQueries#ownerCandidatesFor} allows. */
    AccountPicker.PeopleSearch peopleFor(User viewer) {
        return viewer.isAdmin() ? AccountPicker.everyone(users)
                : new AccountPicker.PeopleSearch((text, limit) -> queries.ownerCandidatesFor(viewer, text, limit), false);
    }

    AccountPicker ownerPicker(User viewer, java.util.Set<Long> owners, String search) {
        return AccountPicker.of(users, peopleFor(viewer), "owner_ids", "owners", "Owners (members who manage this bot)",
                owners, search);
    }

    private BotPages.KeyLife keyLife(long botId) {
        Instant now = clock.instant();
        var current = keyQueries.currentKey(botId);
        Instant expiresAt = current.map(ApiKeyQueries.CurrentKey::expiresAt).orElse(null);
        String expires = expiresAt == null ? "Never" : Dates.minute(expiresAt, "") + " (" + Dates.expiry(expiresAt, now) + ")";
        List<BotPages.OldKeyRow> oldKeys = keyQueries.oldKeys(botId, now).stream()
                .map(old -> new BotPages.OldKeyRow(old.id(), Dates.minute(old.worksUntil(), ""), usage(old)))
                .toList();
        int limit = keyActions.maxBotKeyLifetimeDays();
        return new BotPages.KeyLife(expires, Dates.isoDay(expiresAt),
                current.map(c -> Dates.minute(c.lastUsedAt(), "Never")).orElse("Never"),
                current.map(c -> addresses(c.addresses())).orElse(""), oldKeys, graceChoices(),
                limit == 0 ? null : "The organization allows bot keys to live at most " + limit + " days.");
    }

    /** "Used 12 times since the rotation, last from 10.0.0.5 at 3 Nov 2026 14:02 UTC". */
    private static String usage(ApiKeyQueries.OldKey old) {
        if (old.uses() == 0 && old.lastUse().isEmpty()) return "Not used since the rotation.";
        String times = old.uses() == 1 ? "once" : old.uses() + " times";
        return "Used " + times + " since the rotation" + old.lastUse()
                .map(u -> ", last from " + u.ip() + " at " + Dates.minute(u.at(), "")).orElse("") + ".";
    }

    private static String addresses(List<ApiKeyQueries.KeyUse> uses) {
        return uses.stream().map(u -> u.ip() + " (" + Dates.minute(u.at(), "") + ")").collect(Collectors.joining(", "));
    }

    static List<BotPages.Choice> graceChoices() {
        return KeyLifetimes.GRACE_CHOICES.stream()
                .map(c -> new BotPages.Choice(Long.toString(c.seconds()), c.label(), c.seconds() == 0)).toList();
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

    private static BotPages.Row row(Bot bot, BotQueries.Details details) {
        return new BotPages.Row(bot.id(), bot.fullName(), bot.email(), bot.type().label(), owners(bot.id(), details),
                bot.avatarPath(), bot.isActive());
    }

    private static String owners(long botId, BotQueries.Details details) {
        return details.owners(botId).stream().map(BotOwner::fullName).collect(Collectors.joining(", "));
    }
}
