package dev.keydesk.user;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.keydesk.errors.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The e-mail address, name and password people type when they sign up or change their account. */
class AccountRulesTest {
    private static void assertInvalid(String message, Executable check) {
        assertEquals(message, assertThrows(InvalidInputException.class, check).getMessage());
    }

    @Test
    void emailAddressesAreTrimmedAndKeepTheirCase() {
        assertEquals("Hamlet@Zulip.com", AccountRules.email("  Hamlet@Zulip.com\t"));
        assertEquals("bot@localhost", AccountRules.email("bot@localhost"));
    }

    @Test
    void missingAndMalformedEmailAddressesAreExplained() {
        assertInvalid("Enter an e-mail address.", () -> AccountRules.email(null));
        assertInvalid("Enter an e-mail address.", () -> AccountRules.email(""));
        assertInvalid("Enter an e-mail address.", () -> AccountRules.email(" \n "));
        assertInvalid("Enter a valid email address.", () -> AccountRules.email("hamlet"));
        assertInvalid("Enter a valid email address.", () -> AccountRules.email("hamlet@"));
        assertInvalid("Enter a valid email address.", () -> AccountRules.email("ham let@zulip.com"));
        assertInvalid("Enter a valid email address.", () -> AccountRules.email("hamlet@zulip.com\nBcc: x@y.z"));
    }

    @Test
    void namesAreStrippedAndLimitedToAHundredCharacters() {
        assertEquals("King Hamlet", AccountRules.fullName("  King Hamlet \r\n"));
        assertEquals("Ophélie 🌸", AccountRules.fullName("Ophélie 🌸"));
        assertEquals("x".repeat(AccountRules.MAX_NAME), AccountRules.fullName("x".repeat(AccountRules.MAX_NAME)));
        assertInvalid("Names can be at most 100 characters long.",
                () -> AccountRules.fullName("x".repeat(AccountRules.MAX_NAME + 1)));
        assertInvalid("Enter a name.", () -> AccountRules.fullName(null));
        assertInvalid("Enter a name.", () -> AccountRules.fullName(""));
        assertInvalid("Enter a name.", () -> AccountRules.fullName("   "));
    }

    @Test
    void namesWithControlCharactersAreRefused() {
        assertInvalid("Names cannot contain control characters.", () -> AccountRules.fullName("King\nHamlet"));
        assertInvalid("Names cannot contain control characters.", () -> AccountRules.fullName("King\u0000Hamlet"));
        assertInvalid("Names cannot contain control characters.", () -> AccountRules.fullName("\u001b[31mHamlet"));
        assertInvalid("Names cannot contain control characters.", () -> AccountRules.fullName("\u0000"));
    }

    @Test
    void passwordsAreBetweenEightAndTwoHundredFiftySixCharactersAndKeptExactly() {
        assertEquals("12345678", AccountRules.newPassword("12345678"));
        assertEquals("  spaced out  ", AccountRules.newPassword("  spaced out  "), "spaces are part of a password");
        assertEquals("p".repeat(256), AccountRules.newPassword("p".repeat(256)));
        String tooShort = "Passwords must be at least 8 characters long.";
        assertInvalid(tooShort, () -> AccountRules.newPassword(null));
        assertInvalid(tooShort, () -> AccountRules.newPassword(""));
        assertInvalid(tooShort, () -> AccountRules.newPassword("1234567"));
        assertInvalid("Passwords can be at most 256 characters long.", () -> AccountRules.newPassword("p".repeat(257)));
    }
}
