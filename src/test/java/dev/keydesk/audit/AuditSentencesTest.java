package dev.keydesk.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** An audit entry's details as the Audit log shows them: words, not JSON. */
class AuditSentencesTest {
    @Test
    void eachEventReadsAsASentence() {
        assertEquals("Changed the role from member to administrator.",
                AuditSentences.of("role_changed", "{\"from\": 400, \"to\": 200, \"via\": \"web\"}"));
        assertEquals("Invited regan@zulip.com as guest. Through the API.",
                AuditSentences.of("invitation_created", "{\"email\": \"regan@zulip.com\", \"role\": 600, \"via\": \"api\"}"));
        assertEquals("Changed the bot's full name, service and avatar.",
                AuditSentences.of("bot_modified", "{\"changed\": [\"full_name\", \"service\", \"avatar\"], \"via\": \"web\"}"));
        assertEquals("Showed 3 API keys (bots list).",
                AuditSentences.of("api_key_revealed", "{\"purpose\": \"bots list\", \"targets\": [\"a\", \"b\", \"c\"], \"via\": \"api\"}")
                        .replace(" Through the API.", ""));
        assertEquals("Changed the password; 2 other sessions ended.",
                AuditSentences.of("password_changed", "{\"other_sessions_ended\": 2, \"via\": \"web\"}"));
        assertEquals("Logged out 1 device.", AuditSentences.of("devices_logged_out", "{\"devices\": 1}"));
        assertEquals("Received a report that a device key leaked at https://example.com/log; outcome: device logged out.",
                AuditSentences.of("api_key_leak_reported", "{\"kind\": \"device\", \"url\": \"https://example.com/log\", "
                        + "\"outcome\": \"device logged out\", \"key_id\": 7}"));
        assertEquals("Used a recovery code to sign in; 9 codes left.",
                AuditSentences.of("recovery_code_used", "{\"purpose\": \"sign_in\", \"remaining\": 9}"));
        assertEquals("Entered an authenticator code that was already used to see or change an API key.",
                AuditSentences.of("second_factor_failed", "{\"purpose\": \"step_up\", \"reason\": \"replayed\"}"));
        assertEquals("Removed the authenticator app and the recovery codes (confirmed with recovery code).",
                AuditSentences.of("authenticator_removed", "{\"proof\": \"recovery_code\"}"));
        assertEquals("Required a second factor for owners and administrators.",
                AuditSentences.of("second_factor_policy_changed", "{\"policy\": \"admins\"}"));
        assertEquals("Removed the passkey “Phone” (confirmed with password).",
                AuditSentences.of("passkey_removed", "{\"name\": \"Phone\", \"proof\": \"password\"}"));
        assertEquals("A passkey was refused to sign in: its challenge had expired, was already used or was not Keydesk's.",
                AuditSentences.of("passkey_refused", "{\"purpose\": \"second_factor\", \"reason\": \"bad_challenge\"}"));
        assertEquals("Refused the passkey “Laptop”: its signature counter went from 41 to 3 instead of up, so a copy of"
                        + " the authenticator may be in use.",
                AuditSentences.of("passkey_counter_refused", "{\"name\": \"Laptop\", \"stored_count\": 41, \"presented_count\": 3}"));
        assertEquals("Approved the sign-in of a device (ZulipTerminal at 127.0.0.1), its key limited to Grafana: read-only.",
                AuditSentences.of("device_login_approved", "{\"client\": \"ZulipTerminal\", \"client_ip\": \"127.0.0.1\", "
                        + "\"request_id\": 4, \"key_limits\": \"Grafana: read-only\"}"));
        assertEquals("Limited bot keys to 90 days.", AuditSentences.of("key_policy_changed", "{\"max_bot_key_lifetime_days\": 90}"));
        assertEquals("Created the organization “Acme”. On the command line.",
                AuditSentences.of("organization_created", "{\"name\": \"Acme\", \"via\": \"command line\"}"));
    }

    @Test
    void everyEventHasItsOwnSentenceWithoutJson() {
        for (AuditEvent event : AuditEvent.values()) {
            String sentence = AuditSentences.of(event.dbName(), "{\"via\": \"web\"}");
            assertFalse(sentence.isBlank() || sentence.contains("{") || sentence.contains("via:"), event + ": " + sentence);
        }
    }

    @Test
    void anUnknownEventListsItsFields() {
        assertEquals("colour: blue; count: 3.", AuditSentences.of("something_new", "{\"colour\": \"blue\", \"count\": 3, \"via\": \"web\"}"));
        assertEquals(0, Arrays.stream(AuditEvent.values()).filter(e -> e.dbName().equals("something_new")).count());
    }
}
