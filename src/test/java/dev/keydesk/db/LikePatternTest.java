package dev.keydesk.db;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keydesk.support.UnitDatabase;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Search text turned into LIKE patterns, where the searcher's own % and _ match literally. */
class LikePatternTest {
    @Test
    void emptyTextMatchesEverything() {
        assertEquals("%", LikePattern.contains(""));
    }

    @Test
    void textIsLowerCasedAndMatchedAnywhere() {
        assertEquals("%hamlet%", LikePattern.contains("Hamlet"));
        assertEquals("% %", LikePattern.contains(" "));
        assertEquals("%élodie%", LikePattern.contains("ÉLODIE"));
    }

    @Test
    void wildcardsAndTheEscapeCharacterAreEscaped() {
        assertEquals("%50!%%", LikePattern.contains("50%"));
        assertEquals("%deploy!_bot%", LikePattern.contains("deploy_bot"));
        assertEquals("%wow!!%", LikePattern.contains("wow!"));
        assertEquals("%!!!%!_%", LikePattern.contains("!%_"));
        assertEquals("%a\\b%", LikePattern.contains("a\\b"), "a backslash is an ordinary character");
    }

    @Test
    void postgresqlMatchesTheEscapedCharactersLiterally() {
        List<String> names = List.of("deploy_bot", "deployxbot", "50% off", "500 off", "wow!", "wow", "a\\b");
        assertEquals(List.of("deploy_bot"), matching(names, "DEPLOY_"));
        assertEquals(List.of("50% off"), matching(names, "0%"));
        assertEquals(List.of("wow!"), matching(names, "w!"));
        assertEquals(List.of("a\\b"), matching(names, "\\"));
        assertEquals(names, matching(names, ""));
    }

    private static List<String> matching(List<String> names, String search) {
        return UnitDatabase.jdbi().withHandle(h -> h.createQuery("""
                        SELECT name FROM unnest(CAST(:names AS text[])) WITH ORDINALITY AS t(name, n)
                        WHERE lower(name) LIKE :pattern ESCAPE '!' ORDER BY n""")
                .bind("names", names.toArray(new String[0]))
                .bind("pattern", LikePattern.contains(search))
                .mapTo(String.class)
                .list());
    }
}
