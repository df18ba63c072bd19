package dev.keydesk.keyconsole;

import dev.keydesk.bot.BotPages.OwnerChoice;
import dev.keydesk.guard.ServiceChoice;
import dev.keydesk.bot.BotRules;
import dev.keydesk.web.FormError;
import dev.keydesk.web.Layout;
import java.util.List;

/** What the Keys templates render. */
public final class KeysPages {
    private KeysPages() {}

    public record Row(long id, String fullName, String email, String typeLabel, boolean blocked, String avatarPath,
                      String owners, String ownerIds, String webhookUrl, String opens, String serviceIds, String keyCreated,
                      String lastUsed, String expiry, String expiresOn, String recentAddresses) {}

    /** The owners' key policy on the Keys page: shown to owners only; {@code maxLifetimeDays} is "" for none. */
    public record Policy(boolean editable, String maxLifetimeDays) {}

    /** {@code total} is the capped count's label ("42", "1,000+"). */
    public record ListPage(Layout layout, String query, String total, List<Row> rows,
                           List<OwnerChoice> accounts, List<ServiceChoice> services, String previousHref, String nextHref,
                           String back, String expiryFilter, Policy policy) {
        public boolean hasPages() {
            return previousHref != null || nextHref != null;
        }

        /** {@link #back} as a query-string value. */
        public String backParam() {
            return java.net.URLEncoder.encode(back, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** The New / Modify API Key form as a page of its own (without JavaScript, or to show an error). */
    public record FormPage(Layout layout, long botId, String name, String webhookUrl, List<OwnerChoice> accounts,
                           List<ServiceChoice> services, FormError error, String back, String expiresOn) {
        /** An error about the form as a whole, shown above it. */
        public String generalError() {
            return FormError.general(error);
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
