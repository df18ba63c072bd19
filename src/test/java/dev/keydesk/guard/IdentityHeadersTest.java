package dev.keydesk.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Identity header values stay plain ASCII, whatever a name holds. */
class IdentityHeadersTest {
    @Test
    void plainNamesAreSentAsTheyAre() {
        assertEquals("King Hamlet (prod)", ForwardAuthRoutes.headerSafe("King Hamlet (prod)"));
    }

    @Test
    void otherCharactersArePercentEncodedAsUtf8() {
        assertEquals("Zo%C3%AB%20K%C3%B6nig", ForwardAuthRoutes.headerSafe("Zoë König"));
        assertEquals("100%25%20sure", ForwardAuthRoutes.headerSafe("100% sure"), "a percent sign is encoded so decoding is unambiguous");
        assertEquals("a%0D%0AX-Evil%3A%201", ForwardAuthRoutes.headerSafe("a\r\nX-Evil: 1"), "no header injection");
    }
}
