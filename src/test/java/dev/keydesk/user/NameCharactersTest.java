package dev.keydesk.user;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.keydesk.bot.BotRules;
import dev.keydesk.errors.InvalidInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Names of people, bots and keys refuse the invisible characters that reorder text (bidirectional
 * controls: "Deploy\u202Egnp.exe" shows as "Deployexe.png") as they refuse other control
 * characters, and keep everything a real name may hold.
 */
class NameCharactersTest {
    private static final List<Character> BIDI = List.of('\u061C', '\u200E', '\u200F', '\u202A', '\u202B', '\u202C',
            '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069');

    @Test
    void bidirectionalControlsAreRefusedInEveryKindOfName() {
        for (char c : BIDI) {
            String name = "Deploy" + c + "gnp.exe";
            String hex = String.format("U+%04X", (int) c);
            InvalidInputException bot = assertThrows(InvalidInputException.class, () -> BotRules.fullName(name), hex);
            assertEquals("Invalid characters in name!", bot.getMessage());
            InvalidInputException person = assertThrows(InvalidInputException.class, () -> AccountRules.fullName(name), hex);
            assertEquals("Names cannot contain control characters.", person.getMessage());
        }
    }

    @Test
    void realNamesInAnyScriptStillPass() {
        for (String name : List.of("Iago", "Zoë Ångström", "محمد علي", "שלום עליכם", "李小龍", "Renée O'Neil-Smith",
                "👩‍💻 Deploy Bot", "Ops (prod) – eu")) {
            assertEquals(name, BotRules.fullName(name));
            assertEquals(name, AccountRules.fullName(name));
        }
    }
}
