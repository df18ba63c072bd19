package dev.keydesk.keyconsole;

import dev.keydesk.web.Layout;
import java.util.List;

/**
 * What the Keys console's "Find a key" page renders: the form, and after a lookup either what
 * Keydesk knows about the key ({@code found}) or why it knows nothing ({@code notFound}).
 */
public record KeyLookupPage(Layout layout, String error, String notFound, Found found) {
    public record Found(long keyId, String name, String email, String ownerHref, String kind, String state,
                        boolean current, String created, String lastUsed, List<String> botOwners,
                        List<DeviceRow> devices, List<AuditRow> audit, boolean canReplace, boolean canBlock) {
        public String replaceAction() {
            return "/keys/lookup/" + keyId + "/replace";
        }

        public String blockAction() {
            return "/keys/lookup/" + keyId + "/block";
        }
    }

    public record DeviceRow(String client, String ip, String lastSeen) {}

    public record AuditRow(String when, String event, String actor, String ip) {}
}
