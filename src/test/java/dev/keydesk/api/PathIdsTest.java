package dev.keydesk.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.keydesk.errors.NotFoundException;
import org.junit.jupiter.api.Test;

/** Ids in paths: positive whole numbers, and anything else names nothing. */
class PathIdsTest {
    @Test
    void positiveNumbersAreIds() {
        assertEquals(1, PathIds.parse("1", "No such bot"));
        assertEquals(42, PathIds.parse(" 42\n", "No such bot"));
        assertEquals(7, PathIds.parse("007", "No such bot"));
        assertEquals(Long.MAX_VALUE, PathIds.parse(Long.toString(Long.MAX_VALUE), "No such bot"));
    }

    @Test
    void anythingElseIsNotFoundWithTheCallersMessage() {
        for (String bad : new String[] {"0", "-1", "", "  ", "abc", "1.5", "1e3", "0x10", "12abc",
                "9223372036854775808", "99999999999999999999999"}) {
            NotFoundException e = assertThrows(NotFoundException.class, () -> PathIds.parse(bad, "No such bot"), bad);
            assertEquals("No such bot", e.getMessage());
        }
        assertEquals("No such user", assertThrows(NotFoundException.class, () -> PathIds.parse(null, "No such user"))
                .getMessage());
    }
}
