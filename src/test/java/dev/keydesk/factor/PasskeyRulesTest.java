package dev.keydesk.factor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.keydesk.errors.InvalidInputException;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** The server-side rules around the ceremony that need no database: names, origin and RP ID. */
class PasskeyRulesTest {
    @Test
    void aNameIsTrimmedAndMustBeShortPrintableAndPresent() {
        assertEquals("Work laptop", PasskeyActions.name("  Work laptop "));
        assertEquals("é".repeat(PasskeyActions.MAX_NAME_LENGTH), PasskeyActions.name("é".repeat(PasskeyActions.MAX_NAME_LENGTH)));
        assertThrows(InvalidInputException.class, () -> PasskeyActions.name(null));
        assertThrows(InvalidInputException.class, () -> PasskeyActions.name(" \t "));
        assertThrows(InvalidInputException.class, () -> PasskeyActions.name("x".repeat(PasskeyActions.MAX_NAME_LENGTH + 1)));
        assertThrows(InvalidInputException.class, () -> PasskeyActions.name("Phone\u0000"));
        assertThrows(InvalidInputException.class, () -> PasskeyActions.name("two\nlines"));
    }

    @Test
    void theOriginAndRelyingPartyComeFromTheExternalUrlAlone() {
        assertEquals("https://keys.example.com", PasskeyActions.origin(URI.create("https://Keys.Example.com/")));
        assertEquals("https://keys.example.com:8443", PasskeyActions.origin(URI.create("https://keys.example.com:8443/desk")));
        assertEquals("http://localhost:7070", PasskeyActions.origin(URI.create("http://localhost:7070")));
        PasskeyActions actions = new PasskeyActions(null, java.time.Clock.systemUTC(), null, URI.create("https://Keys.Example.com/desk"));
        assertEquals("keys.example.com", actions.rpId());
    }
}
