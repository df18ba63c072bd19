package dev.keydesk.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keydesk.user.Role;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * An audit row's details in words ("Changed the role from Member to Administrator."), one rule per
 * event; the page shows these instead of the stored JSON. A row whose details cannot be read, or
 * an event without a rule, falls back to its fields listed as "name: value".
 */
final class AuditSentences {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<AuditEvent, Function<JsonNode, String>> RULES = new EnumMap<>(AuditEvent.class);

    static {
        RULES.put(AuditEvent.ORGANIZATION_CREATED, d -> "Created the organization “" + text(d, "name") + "”.");
        RULES.put(AuditEvent.USER_CREATED, d -> "Created the account " + text(d, "email") + " as " + role(d, "role") + ".");
        RULES.put(AuditEvent.USER_DEACTIVATED, d -> "Deactivated the account: its sessions ended and its key is refused.");
        RULES.put(AuditEvent.USER_REACTIVATED, d -> "Reactivated the account.");
        RULES.put(AuditEvent.PASSWORD_CHANGED, d -> "Changed the password"
                + (d.has("other_sessions_ended") ? "; " + count(d.path("other_sessions_ended").asLong(), "other session") + " ended"
                : d.has("sessions_ended") ? "; " + count(d.path("sessions_ended").asLong(), "session") + " ended" : "")
                + (d.path("new_api_key").asBoolean(false) ? ", and asked for a new API key" : "") + ".");
        RULES.put(AuditEvent.PASSWORD_REENTRY_FAILED, d -> "rate_limited".equals(text(d, "reason"))
                ? "Was refused the API key: too many wrong passwords." : "Entered a wrong password to see the API key.");
        RULES.put(AuditEvent.API_KEY_CHANGED, d -> (d.path("initial").asBoolean(false)
                ? "Issued the first API key"
                : "leaked".equals(text(d, "reason")) ? "Replaced the API key reported as leaked"
                : d.hasNonNull("old_key_works_until") ? "Replaced the API key; the old one works until " + text(d, "old_key_works_until")
                : "Replaced the API key; the old one no longer works")
                + (d.hasNonNull("expires_at") ? "; the new key expires " + text(d, "expires_at") : "") + ".");
        RULES.put(AuditEvent.API_KEY_LEAK_REPORTED, d -> "Received a report that a " + kind(d) + " leaked"
                + (d.hasNonNull("url") ? " at " + text(d, "url") : "")
                + (d.hasNonNull("outcome") ? "; outcome: " + text(d, "outcome") : "") + ".");
        RULES.put(AuditEvent.API_KEY_LOOKED_UP, d -> "Looked up a " + kind(d) + " by its value.");
        RULES.put(AuditEvent.DEVICE_KEY_ISSUED, d -> "Gave a device" + (d.has("client") ? " (" + text(d, "client") + ")" : "")
                + " a key of its own.");
        RULES.put(AuditEvent.DEVICE_LOGGED_OUT, d -> "Logged out a device" + (d.has("client") ? " (" + text(d, "client")
                + (d.has("device_ip") ? " at " + text(d, "device_ip") : "") + ")" : "") + ": its key no longer works.");
        RULES.put(AuditEvent.DEVICE_LOGIN_REQUESTED, d -> "A device (" + text(d, "client") + ") asked to sign in with a code.");
        RULES.put(AuditEvent.DEVICE_LOGIN_APPROVED, d -> "Approved the sign-in of a device (" + text(d, "client") + " at "
                + text(d, "client_ip") + ")" + (d.hasNonNull("key_limits") ? ", its key limited to " + text(d, "key_limits") : "") + ".");
        RULES.put(AuditEvent.DEVICE_LOGIN_DENIED, d -> "Denied the sign-in of a device (" + text(d, "client") + " at "
                + text(d, "client_ip") + ").");
        RULES.put(AuditEvent.OLD_KEY_RETIRED, d -> d.path("early").asBoolean(false)
                ? "Ended the old key's grace period early." : "The old key's grace period ended.");
        RULES.put(AuditEvent.API_KEY_EXPIRY_CHANGED, d -> d.hasNonNull("expires_at")
                ? "Set the key to expire " + text(d, "expires_at") + "." : "Removed the key's expiry.");
        RULES.put(AuditEvent.API_KEY_EXPIRED, d -> "The API key expired" + (d.hasNonNull("expires_at") ? " " + text(d, "expires_at") : "") + ".");
        RULES.put(AuditEvent.AUTHENTICATOR_ADDED, d -> "Set up an authenticator app for signing in.");
        RULES.put(AuditEvent.AUTHENTICATOR_REMOVED, d -> "Removed the authenticator app and the recovery codes"
                + (d.has("proof") ? " (confirmed with " + text(d, "proof").replace('_', ' ') + ")" : "") + ".");
        RULES.put(AuditEvent.RECOVERY_CODES_GENERATED, d -> "Made " + count(d.path("codes").asLong(), "new recovery code")
                + "; any earlier ones no longer work.");
        RULES.put(AuditEvent.RECOVERY_CODE_USED, d -> "Used a recovery code" + (d.has("purpose") ? " to " + purpose(d) : "")
                + "; " + count(d.path("remaining").asLong(), "code") + " left.");
        RULES.put(AuditEvent.SECOND_FACTOR_FAILED, d -> ("rate_limited".equals(text(d, "reason"))
                ? "Was refused: too many wrong codes"
                : "replayed".equals(text(d, "reason")) ? "Entered an authenticator code that was already used"
                : "Entered a wrong authenticator or recovery code")
                + (d.has("purpose") ? " to " + purpose(d) : "") + ".");
        RULES.put(AuditEvent.PASSKEY_ADDED, d -> "Added the passkey \u201c" + text(d, "name") + "\u201d for signing in.");
        RULES.put(AuditEvent.PASSKEY_REMOVED, d -> "Removed the passkey \u201c" + text(d, "name") + "\u201d"
                + (d.has("proof") ? " (confirmed with " + text(d, "proof").replace('_', ' ') + ")" : "") + ".");
        RULES.put(AuditEvent.PASSKEY_REFUSED, d -> "A passkey was refused" + (d.has("purpose") ? " to " + passkeyPurpose(d) : "")
                + switch (text(d, "reason")) {
                    case "bad_challenge" -> ": its challenge had expired, was already used or was not Keydesk's.";
                    case "unknown_passkey" -> ": no such passkey is registered for the account.";
                    case "wrong_password" -> ": the password was not right.";
                    case "malformed" -> ": the browser's answer was not a passkey's.";
                    default -> ": its signature or details did not check out.";
                });
        RULES.put(AuditEvent.PASSKEY_COUNTER_REFUSED, d -> "Refused the passkey \u201c" + text(d, "name")
                + "\u201d: its signature counter went from " + text(d, "stored_count") + " to " + text(d, "presented_count")
                + " instead of up, so a copy of the authenticator may be in use.");
        RULES.put(AuditEvent.SECOND_FACTOR_POLICY_CHANGED, d -> switch (text(d, "policy")) {
            case "admins" -> "Required a second factor for owners and administrators.";
            case "everyone" -> "Required a second factor for everyone.";
            default -> "Stopped requiring a second factor.";
        });
        RULES.put(AuditEvent.KEY_RESTRICTIONS_CHANGED, d -> "Changed what the " + (d.hasNonNull("device_id")
                ? "key of device " + text(d, "device_id") : "account's keys") + " may open: " + text(d, "summary") + ".");
        RULES.put(AuditEvent.KEY_ADDRESS_REFUSED, d -> "Refused the " + text(d, "key") + " from " + text(d, "from")
                + ", outside its address ranges (recorded once a minute).");
        RULES.put(AuditEvent.KEY_POLICY_CHANGED, d -> d.hasNonNull("max_bot_key_lifetime_days")
                ? "Limited bot keys to " + count(d.path("max_bot_key_lifetime_days").asLong(), "day") + "."
                : "Removed the limit on bot keys' lifetime.");
        RULES.put(AuditEvent.API_KEY_REVEALED, d -> (d.path("targets").isArray()
                ? "Showed " + d.path("targets").size() + " API keys" : "Showed the API key")
                + (d.has("purpose") ? " (" + text(d, "purpose") + ")" : "") + ".");
        RULES.put(AuditEvent.DEVICES_LOGGED_OUT, d -> "Logged out " + count(d.path("devices").asLong(), "device")
                + (d.has("over_limit") ? " unused the longest, as an account keeps at most "
                        + count(d.path("over_limit").asLong(), "device") + " logged in" : "") + ".");
        RULES.put(AuditEvent.BOT_CREATED, d -> "Created the bot " + text(d, "email")
                + (d.path("owners").isArray() ? ", with " + count(d.path("owners").size(), "owner") : "") + ".");
        RULES.put(AuditEvent.BOT_MODIFIED, d -> "Changed the bot's " + words(d.path("changed")) + ".");
        RULES.put(AuditEvent.BOT_OWNERS_CHANGED, d -> "Changed the bot's owners: " + count(d.path("before").size(), "owner")
                + " before, " + d.path("after").size() + " now.");
        RULES.put(AuditEvent.BOT_DEACTIVATED, d -> "Blocked the bot: its key authenticates nothing until it is unblocked.");
        RULES.put(AuditEvent.BOT_REACTIVATED, d -> "Unblocked the bot: its key works again.");
        RULES.put(AuditEvent.BOT_DELETED, d -> "Deleted the bot “" + text(d, "full_name") + "” (" + text(d, "email") + ").");
        RULES.put(AuditEvent.ROLE_CHANGED, d -> "Changed the role from " + role(d, "from") + " to " + role(d, "to") + ".");
        RULES.put(AuditEvent.INVITATION_CREATED, d -> "Invited " + text(d, "email") + " as " + role(d, "role") + ".");
        RULES.put(AuditEvent.INVITATION_REVOKED, d -> "Revoked an invitation.");
        RULES.put(AuditEvent.INVITATION_ACCEPTED, d -> "Joined through an invitation.");
        RULES.put(AuditEvent.PASSWORD_RESET_REQUESTED, d -> "Asked for a password reset link by e-mail.");
        RULES.put(AuditEvent.SERVICE_REGISTERED, d -> "Registered the service “" + text(d, "name") + "”.");
        RULES.put(AuditEvent.SERVICE_MODIFIED, d -> "Changed the service “" + text(d, "name") + "”: " + words(d.path("changed")) + ".");
        RULES.put(AuditEvent.SERVICE_TOKEN_REGENERATED, d -> "Gave the service “" + text(d, "name") + "” a new token.");
        RULES.put(AuditEvent.SERVICE_MEMBER_ADDED, d -> "Allowed the account to call the service “" + text(d, "name") + "”.");
        RULES.put(AuditEvent.SERVICE_MEMBER_REMOVED, d -> "No longer allowed the account to call the service “" + text(d, "name") + "”.");
        RULES.put(AuditEvent.SSO_LINKED, d -> (d.path("created").asBoolean(false)
                ? "Signed in through single sign-on for the first time, which created the account"
                : "Linked the account to its identity at the sign-in provider (same verified e-mail address)") + ".");
        RULES.put(AuditEvent.SSO_SIGN_IN_REFUSED, d -> "Was refused a sign-in through single sign-on ("
                + text(d, "reason").replace('_', ' ') + ").");
        RULES.put(AuditEvent.WEEKLY_DIGEST_CHANGED, d -> d.path("enabled").asBoolean(true)
                ? "Asked for the weekly key digest by e-mail." : "Stopped the weekly key digest by e-mail.");
        RULES.put(AuditEvent.PASSWORD_LOGIN_CHANGED, d -> d.path("enabled").asBoolean(true)
                ? "Turned password sign-in on for everyone." : "Turned password sign-in off for everyone but owners.");
        RULES.put(AuditEvent.SERVICE_DELETED, d -> "Deleted the service “" + text(d, "name") + "”.");
    }

    private AuditSentences() {}

    /** The details of a row of {@code eventType} (as stored) in words, with how the change was made. */
    static String of(String eventType, String details) {
        JsonNode d;
        try {
            d = details == null ? JSON.createObjectNode() : JSON.readTree(details);
        } catch (JsonProcessingException e) {
            return details; // written by AuditLog as JSON, so never expected
        }
        Optional<AuditEvent> event = java.util.Arrays.stream(AuditEvent.values())
                .filter(e -> e.dbName().equals(eventType)).findFirst();
        String sentence = event.map(RULES::get).map(rule -> rule.apply(d)).orElseGet(() -> fields(d));
        return sentence + via(text(d, "via"));
    }

    private static String via(String via) {
        return switch (via) {
            case "api" -> " Through the API.";
            case "command line" -> " On the command line.";
            case "password reset" -> " From the password reset page.";
            default -> "";
        };
    }

    /** Every field but "via", as "name: value; …", for rows no rule describes. */
    private static String fields(JsonNode d) {
        List<String> parts = new ArrayList<>();
        d.fields().forEachRemaining(f -> {
            if (!f.getKey().equals("via")) parts.add(f.getKey().replace('_', ' ') + ": " + (f.getValue().isValueNode()
                    ? f.getValue().asText() : f.getValue().toString()));
        });
        return parts.isEmpty() ? "" : String.join("; ", parts) + ".";
    }

    private static String text(JsonNode d, String field) {
        return d.path(field).asText("");
    }

    private static String role(JsonNode d, String field) {
        int code = d.path(field).asInt(0);
        return java.util.Arrays.stream(Role.values()).filter(r -> r.code() == code).findFirst()
                .map(r -> r.label().toLowerCase(java.util.Locale.ROOT)).orElse("role " + code);
    }

    /** ["full_name", "avatar"] as "full name and avatar". */
    private static String words(JsonNode list) {
        List<String> items = new ArrayList<>();
        list.forEach(item -> items.add(item.asText().replace('_', ' ')));
        if (items.isEmpty()) return "settings";
        if (items.size() == 1) return items.get(0);
        return String.join(", ", items.subList(0, items.size() - 1)) + " and " + items.get(items.size() - 1);
    }

    /** A leak report's or lookup's key, by the kind it was found to be. */
    private static String kind(JsonNode d) {
        return switch (text(d, "kind")) {
            case "main" -> "main key";
            case "bot" -> "bot key";
            case "device" -> "device key";
            case "grace" -> "old key in its grace period";
            case "not_current" -> "key that is no longer current";
            case "malformed" -> "string that is not a key";
            default -> "key Keydesk never issued";
        };
    }

    private static String count(long n, String thing) {
        return n + " " + thing + (n == 1 ? "" : "s");
    }

    private static String passkeyPurpose(JsonNode d) {
        return switch (text(d, "purpose")) {
            case "register" -> "add a passkey";
            case "sign_in" -> "sign in with a passkey alone";
            case "second_factor" -> "sign in";
            case "step_up" -> "see or change an API key";
            case "remove" -> "remove a passkey";
            default -> text(d, "purpose");
        };
    }

    /** What a second factor was entered for, as the rows of the second-factor events store it. */
    private static String purpose(JsonNode d) {
        return switch (text(d, "purpose")) {
            case "sign_in" -> "sign in";
            case "step_up" -> "see or change an API key";
            case "remove" -> "remove the authenticator app";
            case "recovery_codes" -> "make new recovery codes";
            default -> text(d, "purpose");
        };
    }
}
