package dev.keydesk.user;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The address syntax accounts and bots may have. */
class EmailAddressTest {
    @Test
    void commonAddressesAreValid() {
        for (String email : new String[] {
                "hamlet@zulip.com", "HAMLET@ZULIP.COM", "first.last+tag@mail.example.co.uk", "o'neil@example.com",
                "x@a-b.example", "1@2.3", "deploy-bot@localhost", "a!#$%&*/=?^_`{|}~-@example.com"}) {
            assertTrue(EmailAddress.isValid(email), email);
        }
    }

    @Test
    void addressesWithoutALocalPartOrHostAreInvalid() {
        for (String email : new String[] {
                "", "hamlet", "@zulip.com", "hamlet@", "hamlet@@zulip.com", "a@b@zulip.com"}) {
            assertFalse(EmailAddress.isValid(email), email);
        }
        assertFalse(EmailAddress.isValid(null));
    }

    @Test
    void hostLabelsMustBeLettersDigitsAndInnerDashes() {
        for (String email : new String[] {
                "a@-zulip.com", "a@zulip-.com", "a@zulip..com", "a@.zulip.com", "a@zulip.com.", "a@zu_lip.com",
                "a@zülip.com", "a@[127.0.0.1]", "a@zulip.com:25"}) {
            assertFalse(EmailAddress.isValid(email), email);
        }
    }

    @Test
    void spacesControlCharactersAndNonAsciiLocalPartsAreInvalid() {
        for (String email : new String[] {
                "ham let@zulip.com", " hamlet@zulip.com", "hamlet@zulip.com\n", "hamlet@zulip.com\r\nBcc: x@y.z",
                "ham\u0000let@zulip.com", "hämlet@zulip.com", "\"hamlet\"@zulip.com", "ham(let)@zulip.com"}) {
            assertFalse(EmailAddress.isValid(email), email);
        }
    }

    @Test
    void partsAreLimitedToTheLengthsMailServersAccept() {
        assertTrue(EmailAddress.isValid("l".repeat(64) + "@zulip.com"));
        assertFalse(EmailAddress.isValid("l".repeat(65) + "@zulip.com"), "local part over 64");
        assertTrue(EmailAddress.isValid("a@" + "h".repeat(63) + ".com"));
        assertFalse(EmailAddress.isValid("a@" + "h".repeat(64) + ".com"), "host label over 63");
        String label = "h".repeat(61);
        String longest = "l".repeat(64) + "@" + label + "." + label + "." + label + ".abc";
        assertTrue(longest.length() == 254 && EmailAddress.isValid(longest), "254 characters in all");
        assertFalse(EmailAddress.isValid(longest.replace(".abc", ".abcd")), "255 characters in all");
    }
}
