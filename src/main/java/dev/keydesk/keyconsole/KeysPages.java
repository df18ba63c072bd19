package dev.keydesk.keyconsole;

import dev.keydesk.bot.AccountPicker;
import dev.keydesk.bot.BotRules;
import dev.keydesk.bot.BotType;
import dev.keydesk.guard.ServiceChoice;
import dev.keydesk.keyconsole.KeyListQuery.Sort;
import dev.keydesk.web.FormError;
import dev.keydesk.web.Layout;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** What the Keys templates render. */
public final class KeysPages {
    private KeysPages() {}

    /**
     * One key of the list. {@code ownersJson} lists the owners (id, name, e-mail) for the Modify
     * dialog's picker; {@code changed} marks the rows the last action changed.
     */
    public record Row(long id, String fullName, String email, String typeLabel, boolean blocked, String avatarPath,
                      String owners, String ownersJson, String webhookUrl, String opens, String serviceIds,
                      String keyCreated, String lastUsed, boolean changed) {}

    /** A column the list can be sorted by: its heading's link and whether it is the current order. */
    public record SortLink(String label, String href, String ariaSort) {}

    public record Option(String value, String label, boolean selected) {}

    /** The key just created, shown once with its copy button. */
    public record NewKey(long id, String fullName, String apiKey) {}

    /**
     * {@code total} is the capped count's label ("42", "1,000+"); {@code message} what the last
     * action did, naming the keys.
     */
    public record ListPage(Layout layout, KeyListQuery query, String total, List<Row> rows, AccountPicker accounts,
                           List<ServiceChoice> services, String previousHref, String nextHref, String back,
                           String message, NewKey newKey) {
        public boolean hasPages() {
            return previousHref != null || nextHref != null;
        }

        /** {@link #back} as a query-string value. */
        public String backParam() {
            return URLEncoder.encode(back, StandardCharsets.UTF_8);
        }

        public SortLink sortLink(Sort sort) {
            String ariaSort = query.sort() != sort ? null : sort.newestFirst() ? "descending" : "ascending";
            return new SortLink(sort.label(), query.sortedBy(sort), ariaSort);
        }

        public List<Option> states() {
            return List.of(new Option("", "Any", query.state().isEmpty()),
                    new Option("active", "Active", "active".equals(query.state())),
                    new Option("blocked", "Blocked", "blocked".equals(query.state())));
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
                           List<ServiceChoice> services, FormError error, String back) {
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
