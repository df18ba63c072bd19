package dev.keydesk.user;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.keydesk.errors.InvalidInputException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Roles as forms and the API send them (Zulip's numbers) and as the command line takes them (words). */
class RoleTest {
    @Test
    void everyRoleNumberParsesToItsRole() {
        for (Role role : Role.values()) {
            assertEquals(role, Role.parseCode(Integer.toString(role.code())));
        }
        assertEquals(Role.ADMIN, Role.parseCode(" 200 "));
        assertEquals(Role.GUEST, Role.parseCode("600"));
    }

    @Test
    void unknownAndMalformedRoleNumbersAreInvalidInput() {
        for (String bad : new String[] {"0", "500", "-100", "101", "", "  ", "owner", "2e2", "200.0", "0x64",
                "99999999999"}) {
            assertEquals("Invalid role", assertThrows(InvalidInputException.class, () -> Role.parseCode(bad)).getMessage(),
                    bad);
        }
        assertThrows(InvalidInputException.class, () -> Role.parseCode(null));
    }

    @Test
    void commandLineWordsIgnoreCaseAndSpaces() {
        assertEquals(Optional.of(Role.OWNER), Role.parse("owner"));
        assertEquals(Optional.of(Role.ADMIN), Role.parse(" Admin "));
        assertEquals(Optional.of(Role.MODERATOR), Role.parse("MODERATOR"));
        assertEquals(Optional.of(Role.MEMBER), Role.parse("member"));
        assertEquals(Optional.of(Role.GUEST), Role.parse("guest"));
    }

    @Test
    void unknownWordsParseToNothing() {
        for (String bad : new String[] {"", "root", "owners", "100", "administrator", "mem ber"}) {
            assertEquals(Optional.empty(), Role.parse(bad), bad);
        }
        assertEquals(Optional.empty(), Role.parse(null));
    }

    @Test
    void fromCodeRefusesUnknownNumbers() {
        assertEquals(Role.MEMBER, Role.fromCode(400));
        assertThrows(IllegalArgumentException.class, () -> Role.fromCode(500));
    }
}
