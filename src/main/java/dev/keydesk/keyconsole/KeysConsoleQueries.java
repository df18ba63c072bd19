package dev.keydesk.keyconsole;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.apikey.ApiKeyQueries;
import dev.keydesk.avatar.AvatarPaths;
import dev.keydesk.bot.AccountPicker;
import dev.keydesk.bot.Bot;
import dev.keydesk.bot.BotOwner;
import dev.keydesk.bot.BotQueries;
import dev.keydesk.bot.BotService;
import dev.keydesk.bot.BotType;
import dev.keydesk.guard.Access;
import dev.keydesk.guard.GuardedService;
import dev.keydesk.guard.KeyLimitsInput;
import dev.keydesk.guard.ServiceChoice;
import dev.keydesk.guard.ServiceQueries;
import dev.keydesk.usage.UsageQueries;
import dev.keydesk.usage.UsageSparkline;
import dev.keydesk.user.User;
import dev.keydesk.user.UserQueries;
import dev.keydesk.web.CappedCount;
import dev.keydesk.web.Cursor;
import dev.keydesk.web.Dates;
import dev.keydesk.web.KeysetPage;
import dev.keydesk.web.Layout;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.keydesk.guard.KeyRestrictionQueries;
import dev.keydesk.keyscope.KeyRestrictions;
import dev.keydesk.keyscope.KeyScope;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;

/** What the Keys pages show: the list with everything its rows name, and what the New and Modify forms start from. */
public final class KeysConsoleQueries {
    static final int PAGE_SIZE = 50;
    private static final String PICKER_LEGEND = "Accounts that manage this key";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Jdbi jdbi;
    private final BotQueries bots;
    private final UserQueries users;
    private final ServiceQueries services;
    private final ApiKeyActions keys;
    private final ApiKeyQueries keyQueries;
    private final Clock clock;
    private final UsageQueries usage;

    public KeysConsoleQueries(Jdbi jdbi, BotQueries bots, UserQueries users, ServiceQueries services, ApiKeyActions keys,
                              ApiKeyQueries keyQueries, Clock clock) {
        this.jdbi = jdbi;
        this.bots = bots;
        this.users = users;
        this.services = services;
        this.keys = keys;
        this.keyQueries = keyQueries;
        this.clock = clock;
        this.usage = new UsageQueries(jdbi);
    }

    /** Which part of the list a request asks for: search, expiry filter and where the page starts. */
    record ListRequest(KeyListQuery query, KeyListingQueries.ExpiryFilter expiry, Cursor after, Cursor before) {}

    /** A key of the list as the Modify form starts from it. */
    record Current(Set<Long> ownerIds, String webhookUrl, Set<Long> serviceIds, Instant expiresAt, KeyRestrictions.Limits limits) {}

    /** The page of the list {@code request} names; {@code changed} are the rows the last action changed. */
    KeysPages.ListPage list(Layout layout, User admin, ListRequest request, Set<Long> changed, String message) {
        Instant now = clock.instant();
        KeyListQuery query = request.query();
        String filter = request.expiry().param();
        KeyListingQueries listing = new KeyListingQueries(jdbi, request.expiry(), now);
        String total = CappedCount.label(listing.cappedCount(query));
        KeysetPage<KeyListing> page = KeysetPage.of(listing.source(query), request.after(), request.before(), PAGE_SIZE);
        List<KeyListing> listings = page.rows();
        String here = KeysPages.listHref(query, filter, page.direction(), page.cursor());
        List<Long> ids = listings.stream().map(KeyListing::id).toList();
        BotQueries.Details details = bots.detailsOf(ids);
        ServiceQueries.BotKeyServices opened = services.forBots(ids);
        // What limits each key, at a glance: the restrictions are few and read for this page's rows alone.
        KeyRestrictionQueries restrictions = new KeyRestrictionQueries(jdbi);
        Map<Long, KeyRestrictions.Limits> limits = restrictions.ofAccounts(ids);
        Map<Long, String> serviceNames = limits.isEmpty() ? Map.of() : restrictions.serviceNames();
        // The rows' 30 days of use, every row in one statement.
        Map<Long, UsageSparkline> use = usage.sparklines(ids, now);
        List<KeysPages.Row> rows = listings.stream().map(k -> {
            KeyRestrictions.Limits own = limits.getOrDefault(k.id(), KeyRestrictions.Limits.NONE);
            return row(k, details, opened, changed.contains(k.id()), now, KeyRestrictionQueries.summary(own, serviceNames),
                    limitsJson(own), use.getOrDefault(k.id(), UsageSparkline.NONE));
        }).toList();
        String previous = page.hasPrevious()
                ? KeysPages.listHref(query, filter, "before", KeyListingQueries.cursorOf(listings.get(0), query.sort())) : null;
        String next = page.hasNext()
                ? KeysPages.listHref(query, filter, "after", KeyListingQueries.cursorOf(listings.get(listings.size() - 1), query.sort())) : null;
        int lifetimeDays = keys.maxBotKeyLifetimeDays();
        // The New dialog starts with the administrator ticked: already loaded, so no statement for it.
        AccountPicker newKeyPicker = AccountPicker.of(List.of(admin), AccountPicker.everyone(users), "accounts", "new-key",
                PICKER_LEGEND, "");
        return new KeysPages.ListPage(layout, query, total, rows, newKeyPicker,
                choices(opened.chosenAccess(), Set.of()), previous, next, here, message, null, filter,
                new KeysPages.Policy(admin.isOwner(), lifetimeDays == 0 ? "" : Integer.toString(lifetimeDays)),
                limitsForm(KeyRestrictions.Limits.NONE, opened.admittingBots()), null);
    }

    /**
     * The limits fields of the New and Modify forms. A scope may name the services a bot can be
     * admitted to (open to everyone, or to chosen keys, which the same form may tick); the
     * administrators' services never admit a bot.
     */
    KeyLimitsInput.FormView limitsForm(KeyRestrictions.Limits limits) {
        return limitsForm(limits, servicesForBots());
    }

    private KeyLimitsInput.FormView limitsForm(KeyRestrictions.Limits limits, List<GuardedService> admitting) {
        String summary = KeyRestrictionQueries.summary(limits, limits.isNone() ? Map.of() : new KeyRestrictionQueries(jdbi).serviceNames());
        return KeyLimitsInput.FormView.of(limits, admitting, summary);
    }

    /** A refused form's limits fields, as typed. */
    KeyLimitsInput.FormView postedLimitsForm(Context ctx) {
        return KeyLimitsInput.FormView.posted(ctx::formParam, ctx::formParams, servicesForBots(), "");
    }

    private List<GuardedService> servicesForBots() {
        return services.all().stream().filter(s -> s.accessRule() != Access.ADMINS).toList();
    }

    Optional<Bot> bot(long id) {
        return bots.find(id);
    }

    List<Bot> bots(Set<Long> ids) {
        return ids.stream().map(bots::find).flatMap(Optional::stream).toList();
    }

    Current current(Bot bot) {
        BotQueries.Details details = bots.details(List.of(bot));
        return new Current(Set.copyOf(details.ownerIds(bot.id())),
                details.service(bot.id()).map(BotService::payloadUrl).orElse(""),
                Set.copyOf(services.forBots(List.of(bot.id())).chosenIds(bot.id())),
                keyQueries.currentKey(bot.id()).map(ApiKeyQueries.CurrentKey::expiresAt).orElse(null),
                new KeyRestrictionQueries(jdbi).ofAccount(bot.id()));
    }

    AccountPicker picker(Set<Long> checked, String idPrefix, String search) {
        // Only administrators reach the Keys page, and they may pick anyone.
        return AccountPicker.of(users, AccountPicker.everyone(users), "accounts", idPrefix, PICKER_LEGEND, checked, search);
    }

    List<ServiceChoice> serviceChoices(Set<Long> checked) {
        return choices(services.chosenAccessServices(), checked);
    }

    private static List<ServiceChoice> choices(List<GuardedService> chosenAccess, Set<Long> checked) {
        return chosenAccess.stream().map(s -> new ServiceChoice(s.id(), s.name(), checked.contains(s.id()))).toList();
    }

    private static KeysPages.Row row(KeyListing k, BotQueries.Details details, ServiceQueries.BotKeyServices opened,
                                     boolean changed, Instant now, String limits, String limitsJson, UsageSparkline use) {
        List<BotOwner> owners = details.owners(k.id());
        return new KeysPages.Row(k.id(), k.fullName(), k.email(), BotType.fromCode(k.botType()).orElseThrow().label(),
                !k.isActive(), AvatarPaths.of(k.id(), k.avatarVersion()),
                owners.stream().map(BotOwner::fullName).collect(Collectors.joining(", ")),
                ownersJson(owners),
                details.service(k.id()).map(BotService::payloadUrl).orElse(""),
                opened.names(k.id()).isEmpty() ? "—" : String.join(", ", opened.names(k.id())),
                opened.chosenIds(k.id()).stream().map(String::valueOf).collect(Collectors.joining(",")),
                Dates.minuteInTwo(k.keyCreatedAt(), "—"), Dates.minuteInTwo(k.lastUsedAt(), "Never"),
                Dates.expiry(k.keyExpiresAt(), now), Dates.isoDay(k.keyExpiresAt()),
                k.recentAddresses() == null ? "" : k.recentAddresses(), changed, limits, limitsJson, use);
    }

    /** A key's limits as the Modify dialog's script fills its fields: the scope's mode, each chosen service's rules, ranges, metadata. */
    private static String limitsJson(KeyRestrictions.Limits limits) {
        Map<String, String> rules = new LinkedHashMap<>();
        limits.scope().services().forEach((id, list) -> rules.put(Long.toString(id), KeyScope.rulesText(list)));
        try {
            return JSON.writeValueAsString(Map.of("chosen", !limits.scope().isUnrestricted(), "services", rules,
                    "ranges", String.join("\n", limits.ranges().entries()), "metadata", limits.metadata().text()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("plain maps and strings are always JSON", e);
        }
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
}
