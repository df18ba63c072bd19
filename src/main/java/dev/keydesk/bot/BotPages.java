package dev.keydesk.bot;

import dev.keydesk.web.FormError;
import dev.keydesk.web.Layout;
import java.util.List;

/** The records the bot templates render. */
public final class BotPages {
    private BotPages() {}

    public record Row(long id, String fullName, String email, String typeLabel, String owners, String avatarPath,
                      boolean active) {}

    public record ListPage(Layout layout, boolean inactiveTab, long activeCount, long inactiveCount, List<Row> rows,
                           boolean canCreate) {}

    public record DetailPage(Layout layout, Row bot, String apiKey, String zuliprc, String payloadUrl,
                             String interfaceLabel, List<DeliveryRow> deliveries, List<String> services) {}

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
