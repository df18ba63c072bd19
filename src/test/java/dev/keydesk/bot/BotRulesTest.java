package dev.keydesk.bot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.keydesk.errors.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** A bot's name, short name, type and interface as typed in forms and sent to the API. */
class BotRulesTest {
    private static void assertInvalid(String message, Executable parse) {
        assertEquals(message, assertThrows(InvalidInputException.class, parse).getMessage());
    }

    @Test
    void namesAreStrippedAndKeptBetweenTwoAndAHundredCharacters() {
        assertEquals("Deploy Hook", BotRules.fullName("  Deploy Hook \n"));
        assertEquals("ab", BotRules.fullName("ab"));
        assertEquals("x".repeat(BotRules.MAX_NAME), BotRules.fullName("x".repeat(BotRules.MAX_NAME)));
        assertInvalid("Name too long!", () -> BotRules.fullName("x".repeat(BotRules.MAX_NAME + 1)));
        assertInvalid("Name too short!", () -> BotRules.fullName("a"));
        assertInvalid("Name too short!", () -> BotRules.fullName("  a  "));
        assertInvalid("Name too short!", () -> BotRules.fullName(""));
        assertInvalid("Name too short!", () -> BotRules.fullName(null));
    }

    @Test
    void namesWithControlCharactersInsideAreRefused() {
        assertInvalid("Invalid characters in name!", () -> BotRules.fullName("Deploy\nHook"));
        assertInvalid("Invalid characters in name!", () -> BotRules.fullName("Deploy\u0000Hook"));
        assertInvalid("Invalid characters in name!", () -> BotRules.fullName("Deploy\tHook"));
        assertInvalid("Invalid characters in name!", () -> BotRules.fullName("Deploy\u007fHook"));
        assertInvalid("Invalid characters in name!", () -> BotRules.fullName("Deploy\u0085Hook"));
        assertInvalid("Invalid characters in name!", () -> BotRules.fullName("\u0007")); // checked before the length
        assertEquals("Déploiement ✓", BotRules.fullName("Déploiement ✓"));
    }

    @Test
    void shortNamesAreLowerCasedAndLimitedToFortySafeCharacters() {
        assertEquals("deploy-bot", BotRules.shortName(" Deploy-Bot "));
        assertEquals("a.b_c+d-e9", BotRules.shortName("a.b_c+d-e9"));
        assertEquals("a".repeat(40), BotRules.shortName("a".repeat(40)));
        String message = "Bad name or username: use up to 40 letters, digits, dots, dashes, underscores or plus signs.";
        assertInvalid(message, () -> BotRules.shortName("a".repeat(41)));
        assertInvalid(message, () -> BotRules.shortName(""));
        assertInvalid(message, () -> BotRules.shortName(null));
        assertInvalid(message, () -> BotRules.shortName("-deploy"));
        assertInvalid(message, () -> BotRules.shortName(".deploy"));
        assertInvalid(message, () -> BotRules.shortName("deploy bot"));
        assertInvalid(message, () -> BotRules.shortName("deploy/bot"));
        assertInvalid(message, () -> BotRules.shortName("déploiement"));
        assertInvalid(message, () -> BotRules.shortName("deploy@example.com"));
    }

    @Test
    void shortNamesMadeFromNamesAreValidShortNames() {
        assertEquals("deploy-hook-prod", BotRules.shortNameFrom("Deploy Hook (prod)"));
        assertEquals("cafe", BotRules.shortNameFrom("Café"));
        assertEquals("key", BotRules.shortNameFrom("!!!"));
        assertEquals("key", BotRules.shortNameFrom(""));
        assertEquals("key", BotRules.shortNameFrom("日本語"));
        // Cut to thirty characters, without a dangling dash.
        assertEquals("abcdefghij-abcdefghij-abcdefg", BotRules.shortNameFrom("abcdefghij abcdefghij abcdefg xyz"));
        for (String name : new String[] {"Deploy Hook (prod)", "  --Ünïcödé--  ", "x".repeat(100), "A+B", "☃"}) {
            String slug = BotRules.shortNameFrom(name);
            assertEquals(slug, BotRules.shortName(slug), name);
        }
    }

    @Test
    void typesAreZulipsNumbersAndDefaultToGeneric() {
        assertEquals(BotType.GENERIC, BotRules.type(null));
        assertEquals(BotType.GENERIC, BotRules.type("  "));
        assertEquals(BotType.GENERIC, BotRules.type("1"));
        assertEquals(BotType.INCOMING_WEBHOOK, BotRules.type("2"));
        assertEquals(BotType.OUTGOING_WEBHOOK, BotRules.type(" 3 "));
        for (String bad : new String[] {"0", "4", "-1", "generic", "1.0", "99999999999", "0x1"}) {
            assertInvalid("Invalid bot type", () -> BotRules.type(bad));
        }
    }

    @Test
    void interfacesAreZulipOrSlackAndDefaultToZulip() {
        assertEquals(BotInterface.ZULIP, BotRules.botInterface(null));
        assertEquals(BotInterface.ZULIP, BotRules.botInterface(""));
        assertEquals(BotInterface.ZULIP, BotRules.botInterface("1"));
        assertEquals(BotInterface.SLACK, BotRules.botInterface(" 2"));
        for (String bad : new String[] {"0", "3", "slack", "2.5", "-2"}) {
            assertInvalid("Invalid interface type", () -> BotRules.botInterface(bad));
        }
    }
}
