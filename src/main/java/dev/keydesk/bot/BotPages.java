package dev.keydesk.bot;

import dev.keydesk.web.FormError;
import dev.keydesk.web.Layout;
import dev.keydesk.web.Moment;
import java.util.List;

/** The records the bot templates render. */
public final class BotPages {
    private BotPages() {}

    public record Row(long id, String fullName, String email, String typeLabel, String owners, String avatarPath,
                      boolean active) {}

    /** A row of Your bots; {@code affected}: the bot the page's notice is about, whose row is highlighted. */
    public record ListRow(long id, String fullName, String email, String typeLabel, String owners, String avatarPath,
                          boolean active, Moment lastUsed, boolean affected) {}

    /**
     * Your bots, one tab a page at a time. {@code total} is the capped count's label of the bots
     * the search matches; {@code back} is this list as shown, where actions on a row return.
     */
    public record ListPage(Layout layout, boolean inactiveTab, long activeCount, long inactiveCount, String query,
                           String total, List<ListRow> rows, String previousHref, String nextHref, String back,
                           boolean canCreate) {
        public boolean hasPages() {
            return previousHref != null || nextHref != null;
        }
    }

    public record DetailPage(Layout layout, Row bot, String apiKey, String zuliprc, String payloadUrl,
                             String interfaceLabel, List<DeliveryRow> deliveries, List<String> services, KeyLife key,
                             String stepUpHref, dev.keydesk.usage.UsageReport usage) {
        /** The same page showing the bot's key and zuliprc, as {@code credentials} revealed them. */
        public DetailPage withCredentials(BotActions.Credentials credentials, String site) {
            return new DetailPage(layout, bot, credentials.apiKey(), credentials.zuliprc(site), payloadUrl, interfaceLabel,
                    deliveries, services, key, stepUpHref, usage);
        }
    }

    /**
     * The key's life on the bot's page: its expiry ("Never", or the date and how far off), the
     * expiry as the date field holds it, its last use and addresses, the old keys still in their
     * grace period, and the grace periods the regeneration offers.
     */
    public record KeyLife(String expires, String expiresOn, String lastUsed, String recentAddresses,
                          List<OldKeyRow> oldKeys, List<Choice> graceChoices, String lifetimeLimit) {}

    /** An old key in its grace period: until when it works, and how much it is still used. */
    public record OldKeyRow(long id, String worksUntil, String usage) {}

    /** The confirmation page before a regeneration, for browsers without the dialog. */
    public record RegeneratePage(Layout layout, String question, String action, List<Choice> graceChoices, String back,
                                 String cancelHref) {}

    /** One webhook call in the bot's delivery log. */
    public record DeliveryRow(String event, String created, String status, String attempts, String detail) {}

    public record Choice(String value, String label, boolean selected) {}

    public record OwnerChoice(long id, String fullName, String email, boolean checked) {}

    /** "Add a new bot" (botId 0) and the edit form share one template. */
    public record FormPage(Layout layout, long botId, String fullName, String shortName, List<Choice> types,
                           String payloadUrl, List<Choice> interfaces, boolean outgoing, AccountPicker owners,
                           FormError error, String botDomain) {
        /** An error about the form as a whole, shown above it. */
        public String generalError() {
            return FormError.general(error);
        }

        /** An error about the name, shown beside that field. */
        public String fullNameError() {
            return FormError.about(error, BotRules.FULL_NAME);
        }

        /** An error about the payload URL, shown beside that field. */
        public String payloadUrlError() {
            return FormError.about(error, BotRules.PAYLOAD_URL);
        }

        public String cancelHref() {
            return isNew() ? "/bots" : "/bots/" + botId;
        }

        public boolean isNew() {
            return botId == 0;
        }

        public String action() {
            return isNew() ? "/bots" : "/bots/" + botId + "/edit";
        }

        public String submitLabel() {
            return isNew() ? "Create bot" : "Save changes";
        }
    }
}
