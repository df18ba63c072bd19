package dev.keydesk.bot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.keydesk.errors.InvalidInputException;
import org.junit.jupiter.api.Test;

/** Where an outgoing webhook bot's events may be sent: absolute http(s) URLs with a host, nothing else. */
class BotPayloadUrlTest {
    private static final String NOT_HTTP = "The payload URL must be an http:// or https:// URL.";

    private static String refusal(String url) {
        return assertThrows(InvalidInputException.class, () -> BotRules.payloadUrl(url)).getMessage();
    }

    @Test
    void absoluteHttpAndHttpsUrlsAreKeptAsTyped() {
        assertEquals("https://hooks.example.com/keydesk?x=1", BotRules.payloadUrl("https://hooks.example.com/keydesk?x=1"));
        assertEquals("http://localhost:8080/hook", BotRules.payloadUrl("  http://localhost:8080/hook\n"));
        assertEquals("HTTPS://HOOKS.EXAMPLE.COM/", BotRules.payloadUrl("HTTPS://HOOKS.EXAMPLE.COM/"));
        assertEquals("http://192.0.2.7/hook", BotRules.payloadUrl("http://192.0.2.7/hook"));
    }

    @Test
    void aMissingUrlIsExplained() {
        assertEquals("Outgoing webhook bots need a payload URL.", refusal(null));
        assertEquals("Outgoing webhook bots need a payload URL.", refusal(""));
        assertEquals("Outgoing webhook bots need a payload URL.", refusal("   "));
    }

    @Test
    void otherSchemesAreRefused() {
        assertEquals(NOT_HTTP, refusal("javascript:alert(1)"));
        assertEquals(NOT_HTTP, refusal("JavaScript://example.com/%0aalert(1)"));
        assertEquals(NOT_HTTP, refusal("file:///etc/passwd"));
        assertEquals(NOT_HTTP, refusal("ftp://example.com/hook"));
        assertEquals(NOT_HTTP, refusal("data:text/plain,hello"));
        assertEquals(NOT_HTTP, refusal("mailto:ops@example.com"));
    }

    @Test
    void relativeHostlessAndMalformedUrlsAreRefused() {
        assertEquals(NOT_HTTP, refusal("/hooks/keydesk"));
        assertEquals(NOT_HTTP, refusal("hooks.example.com/keydesk"));
        assertEquals(NOT_HTTP, refusal("//hooks.example.com/keydesk"));
        assertEquals(NOT_HTTP, refusal("http:///keydesk"));
        assertEquals(NOT_HTTP, refusal("http://"));
        assertEquals(NOT_HTTP, refusal("http:hooks.example.com"));
        assertEquals(NOT_HTTP, refusal("http://hooks example.com/"));
        assertEquals(NOT_HTTP, refusal("https://[::1"));
    }

    @Test
    void urlsAreLimitedToTwoThousandCharacters() {
        String prefix = "https://hooks.example.com/";
        String longest = prefix + "a".repeat(BotRules.MAX_URL - prefix.length());
        assertEquals(longest, BotRules.payloadUrl(longest));
        assertEquals("The payload URL is too long.", refusal(longest + "a"));
        assertEquals(longest, BotRules.payloadUrl("  " + longest + "  "), "surrounding spaces do not count");
    }
}
