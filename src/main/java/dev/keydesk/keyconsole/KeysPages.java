package dev.keydesk.keyconsole;

import dev.keydesk.bot.AccountPicker;
import dev.keydesk.bot.BotRules;
import dev.keydesk.bot.BotType;
import dev.keydesk.guard.KeyLimitsInput;
import dev.keydesk.guard.ServiceChoice;
import dev.keydesk.keyconsole.KeyListQuery.Sort;
import dev.keydesk.usage.UsageSparkline;
import dev.keydesk.web.Cursor;
import dev.keydesk.web.Dates;
import dev.keydesk.web.FormError;
import dev.keydesk.web.Layout;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** What the Keys templates render. */
public final class KeysPages {
    /** The field {@link dev.keydesk.apikey.KeyLifetimes#expiry} names when it refuses a date. */
    static final String EXPIRY_FIELD = "api_key_expires_at";

    private KeysPages() {}

    /**
     * The list for {@code query} and the expiry {@code filter} ("" for none), continuing {@code direction}
     * ("after" or "before") {@code cursor} when given.
     */
    static String listHref(KeyListQuery query, String filter, String direction, Cursor cursor) {
        String href = withExpiry(query.href(null, null), filter);
        if (cursor == null) return href;
        return href + (href.indexOf('?') < 0 ? '?' : '&') + direction + '=' + cursor.param();
    }

    /** {@code href}, a list address, with the expiry filter added when there is one. */
    static String withExpiry(String href, String expiryFilter) {
        if (expiryFilter.isEmpty()) return href;
        return href + (href.indexOf('?') < 0 ? '?' : '&') + "expiry=" + URLEncoder.encode(expiryFilter, StandardCharsets.UTF_8);
    }

    /**
     * One key of the list. {@code ownersJson} lists the owners (id, name, e-mail) for the Modify
     * dialog's picker; {@code changed} marks the rows the last action changed. {@code limits} is the
     * limits' summary, {@code limitsJson} the same limits as the Modify dialog's fields take them.
     */
    public record Row(long id, String fullName, String email, String typeLabel, boolean blocked, String avatarPath,
                      String owners, String ownersJson, String webhookUrl, String opens, String serviceIds,
                      Dates.DayAndTime keyCreated, Dates.DayAndTime lastUsed, String expiry, String expiresOn, String recentAddresses,
                      boolean changed, String limits, String limitsJson, UsageSparkline use) {
        public boolean expired() {
            return "Expired".equals(expiry);
        }
    }

    /** A column the list can be sorted by: its heading's link and whether it is the current order. */
    public record SortLink(String label, String href, String ariaSort) {}

    public record Option(String value, String label, boolean selected) {}

    /** The key just created, shown once with its copy button. */
    public record NewKey(long id, String fullName, String apiKey) {}

    /** The owners' key policy on the Keys page: shown to owners only; {@code maxLifetimeDays} is "" for none. */
    public record Policy(boolean editable, String maxLifetimeDays) {}

    /**
     * {@code total} is the capped count's label ("42", "1,000+"); {@code message} what the last
     * action did, naming the keys. {@code expiryFilter} is the {@code expiry} parameter ("" for
     * every key, "soon", "expired"), which every link of the list carries along with {@code query}.
     */
    public record ListPage(Layout layout, KeyListQuery query, String total, List<Row> rows, AccountPicker accounts,
                           List<ServiceChoice> services, String previousHref, String nextHref, String back,
                           String message, NewKey newKey, String expiryFilter, Policy policy,
                           KeyLimitsInput.FormView limits, String stepUpHref) {
        /** The same page, showing the key just created once. */
        public ListPage withNewKey(NewKey key) {
            return new ListPage(layout, query, total, rows, accounts, services, previousHref, nextHref, back, message, key,
                    expiryFilter, policy, limits, stepUpHref);
        }

        /** The same page for someone who must confirm it is them first: the copy icons lead to {@code href}. */
        public ListPage withStepUp(String href) {
            return new ListPage(layout, query, total, rows, accounts, services, previousHref, nextHref, back, message, newKey,
                    expiryFilter, policy, limits, href);
        }

        public boolean hasPages() {
            return previousHref != null || nextHref != null;
        }

        /** {@link #back} as a query-string value. */
        public String backParam() {
            return URLEncoder.encode(back, StandardCharsets.UTF_8);
        }

        public SortLink sortLink(Sort sort) {
            String ariaSort = query.sort() != sort ? null : sort.newestFirst() ? "descending" : "ascending";
            return new SortLink(sort.label(), withExpiry(query.sortedBy(sort), expiryFilter), ariaSort);
        }

        /** Whether any filter is on, the expiry filter included. */
        public boolean filtered() {
            return query.filtered() || !expiryFilter.isEmpty();
        }

        public List<Option> expiries() {
            return List.of(new Option("", "Any", expiryFilter.isEmpty()),
                    new Option("soon", "Expiring within 7 days", "soon".equals(expiryFilter)),
                    new Option("expired", "Expired", "expired".equals(expiryFilter)));
        }

        public List<Option> uses() {
            String use = query.use();
            return List.of(new Option("", "Any", use.isEmpty()),
                    new Option("unused30", "Not used for 30 days", "unused30".equals(use)),
                    new Option("unused90", "Not used for 90 days", "unused90".equals(use)),
                    new Option("failing", "Failing (over a tenth refused in 24 hours)", "failing".equals(use)));
        }

        public List<Option> states() {
            return List.of(new Option("", "Any", query.state().isEmpty()),
                    new Option("active", "Active", "active".equals(query.state())),
                    new Option("blocked", "Blocked", "blocked".equals(query.state())),
                    new Option("unrestricted", "Unrestricted (no scope, ranges or metadata)", "unrestricted".equals(query.state())));
        }

        public List<Option> types() {
            List<Option> types = new ArrayList<>();
            types.add(new Option("", "Any", query.type() == null));
            Arrays.stream(BotType.values()).forEach(t ->
                    types.add(new Option(Integer.toString(t.code()), t.label(), t == query.type())));
            return types;
        }
    }

    /** The New / Modify API Key form as a page of its own (without JavaScript, or to show an error). */
    public record FormPage(Layout layout, long botId, String name, String webhookUrl, AccountPicker accounts,
                           List<ServiceChoice> services, String servicesBefore, FormError error, String back,
                           String expiresOn, KeyLimitsInput.FormView limits) {
        /** An error about the key's limits, shown beside them. */
        public String limitsError() {
            if (error == null || error.field() == null) return null;
            return switch (error.field()) {
                case KeyLimitsInput.SCOPE, KeyLimitsInput.RANGES, KeyLimitsInput.METADATA -> error.message();
                default -> null;
            };
        }

        /** An error about the form as a whole, shown above it. */
        public String generalError() {
            return FormError.general(error);
        }

        /** An error about the name, shown beside that field. */
        public String nameError() {
            return FormError.about(error, BotRules.FULL_NAME);
        }

        /** An error about the Webhook URL, shown beside that field. */
        public String webhookError() {
            return FormError.about(error, BotRules.PAYLOAD_URL);
        }

        /** An error about the expiry date, shown beside that field. */
        public String expiresError() {
            return FormError.about(error, EXPIRY_FIELD);
        }

        public boolean isNew() {
            return botId == 0;
        }

        public String action() {
            return isNew() ? "/keys" : "/keys/" + botId + "/edit";
        }

        public String heading() {
            return isNew() ? "New API Key" : "Modify API Key";
        }

        public String submitLabel() {
            return isNew() ? "Create" : "Modify";
        }
    }
}
