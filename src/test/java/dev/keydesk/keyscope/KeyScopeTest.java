package dev.keydesk.keyscope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.errors.InvalidInputException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class KeyScopeTest {
    private static final long SERVICE = 7;
    /** A key that may read /public and anything below it, and call GET /status: /admin is out of reach. */
    private static final KeyScope PUBLIC_ONLY = KeyScope.of(Map.of(SERVICE,
            List.of(ScopeRule.parse("GET /public/**"), ScopeRule.parse("GET /status"))));

    private static boolean allows(String method, String uri) {
        return PUBLIC_ONLY.covers(SERVICE, List.of(method), List.of(uri));
    }

    /** Every spelling of /admin, or of a way out of /public into it, that a server might read as /admin. */
    @ParameterizedTest
    @ValueSource(strings = {"/admin", "/ADMIN", "/Admin", "/a/../admin", "//admin", "/admin;x=1", "/%61dmin", "/admin%2f..",
            "/./admin", "/public/../admin", "/public/..;/admin", "/public/..;x=1/admin", "/public;x/../admin",
            "/public/%2e%2e/admin", "/public/%2E%2E/admin", "/public/.%2e/admin", "/public%2f..%2fadmin",
            "/public%2F..%2Fadmin", "/public/..%2fadmin", "/public\\..\\admin", "/public/%5c..%5cadmin",
            "/public/%252e%252e/admin", "/public/%2fadmin/../../admin", "/public/x/../../admin", "/../admin",
            "/public/../../public/x", "http://example.com/admin", "http://example.com/public/../admin",
            "/public/%00/../admin", "/public/%c0%ae%c0%ae/admin", "/public/%", "/public/%zz", "admin", "*",
            "/statu%73/../admin", "/status/../admin", "/status;/..;/admin", ""})
    void noSpellingOfAForbiddenPathSlipsThrough(String uri) {
        assertFalse(allows("GET", uri), uri);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/public", "/public/", "/public/a/b", "//public//a", "/public/./a", "/public/a/../b",
            "/public;v=1/a", "/%70ublic/a", "/public/a?x=/admin", "/public/a#/admin", "/status", "/status/",
            "/status?verbose=1", "http://example.com/public/a", "/public/caf%C3%A9", "/public/?/../admin"})
    void spellingsOfAllowedPathsAreAllowed(String uri) {
        assertTrue(allows("GET", uri), uri);
    }

    @ParameterizedTest
    @CsvSource({"/a/../admin,/admin", "//admin,/admin", "/admin;x=1,/admin", "/%61dmin,/admin", "/./admin,/admin",
            "/admin/,/admin", "/,/", "/a/b/..,/a", "/a%2fb,/a/b", "/A,/A"})
    void normalizes(String raw, String normalized) {
        assertEquals(Optional.of(normalized), RequestPath.normalize(raw));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/admin%2f..", "/..", "/%", "/%2", "/%ff", "/%252e", "/a%0a", "relative"})
    void refusesWhatCannotBeReadOneWay(String raw) {
        assertEquals(Optional.empty(), RequestPath.normalize(raw).filter(p -> !p.equals("/")), raw);
    }

    @Test
    void methodsMustBeAllowedAndEverySignalCounts() {
        assertFalse(allows("POST", "/public/a"));
        assertTrue(allows("get", "/public/a"));
        // One signal says GET, another DELETE: the request is allowed only if both are.
        assertFalse(PUBLIC_ONLY.covers(SERVICE, List.of("GET", "DELETE"), List.of("/public/a")));
        // One URI allowed, another not: refused.
        assertFalse(PUBLIC_ONLY.covers(SERVICE, List.of("GET"), List.of("/public/a", "/admin")));
        assertFalse(PUBLIC_ONLY.covers(SERVICE, List.of("GET"), List.of()));
        assertFalse(PUBLIC_ONLY.covers(SERVICE + 1, List.of("GET"), List.of("/public/a")));
    }

    @Test
    void readOnlyAndWildcards() {
        KeyScope scope = KeyScope.of(Map.of(SERVICE, List.of(ScopeRule.parse("read-only"), ScopeRule.parse("* /metrics"),
                ScopeRule.parse("POST,PUT /v1/*/items"), ScopeRule.parse("GET /files/*.csv"))));
        assertTrue(scope.covers(SERVICE, List.of("HEAD"), List.of("/anything")));
        assertTrue(scope.covers(SERVICE, List.of("OPTIONS"), List.of("/")));
        assertFalse(scope.covers(SERVICE, List.of("POST"), List.of("/anything")));
        assertTrue(scope.covers(SERVICE, List.of("DELETE"), List.of("/metrics")));
        assertFalse(scope.covers(SERVICE, List.of("DELETE"), List.of("/metrics/x")));
        assertTrue(scope.covers(SERVICE, List.of("PUT"), List.of("/v1/42/items")));
        assertFalse(scope.covers(SERVICE, List.of("PUT"), List.of("/v1/42/43/items")));
        KeyScope files = KeyScope.of(Map.of(SERVICE, List.of(ScopeRule.parse("GET /files/*.csv"))));
        assertTrue(files.covers(SERVICE, List.of("GET"), List.of("/files/a.csv")));
        assertFalse(files.covers(SERVICE, List.of("GET"), List.of("/files/a.csv/x")));
        assertFalse(files.covers(SERVICE, List.of("GET"), List.of("/files/a.txt")));
        assertEquals("{\"7\":[\"read-only\",\"* /metrics\",\"POST,PUT /v1/*/items\",\"GET /files/*.csv\"]}", scope.toJson());
        assertEquals(scope, KeyScope.fromJson(scope.toJson()));
    }

    @Test
    void aServiceWithoutRulesIsOpenWhole() {
        KeyScope scope = KeyScope.fromJson("{\"7\": []}");
        assertTrue(scope.mayOpen(7));
        assertFalse(scope.mayOpen(8));
        assertFalse(scope.hasRulesFor(7));
        assertTrue(scope.covers(7, List.of("DELETE"), List.of("/x")));
        assertTrue(KeyScope.fromJson(null).isUnrestricted());
        assertTrue(KeyScope.UNRESTRICTED.covers(99, List.of("DELETE"), List.of()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "GET", "/api", "GET api/**", "GET /api/**/x**", "GET /a/../b", "GET /a/%2e", "GET /a;b",
            "G3T /a", "GET /a?b", "GET /a b", "GET //a"})
    void badRulesAreRefusedWithAMessage(String rule) {
        assertThrows(InvalidInputException.class, () -> ScopeRule.parse(rule));
    }

    @Test
    void addressRanges() {
        AddressRanges ranges = AddressRanges.parse("203.0.113.0/24, 2001:db8::/32\n198.51.100.7 10.1.2.3/8");
        assertEquals(List.of("203.0.113.0/24", "2001:db8::/32", "198.51.100.7/32", "10.0.0.0/8"), ranges.entries());
        assertTrue(ranges.admits("203.0.113.9"));
        assertTrue(ranges.admits("10.200.0.1"));
        assertTrue(ranges.admits("2001:db8:1::5"));
        assertTrue(ranges.admits("198.51.100.7"));
        assertFalse(ranges.admits("198.51.100.8"));
        assertFalse(ranges.admits("2001:db9::1"));
        assertFalse(ranges.admits("::ffff:192.0.2.1"));
        assertTrue(ranges.admits("::ffff:203.0.113.1"));
        assertFalse(ranges.admits(null));
        assertFalse(ranges.admits("not an address"));
        assertTrue(AddressRanges.ANYWHERE.admits("192.0.2.1"));
        for (String bad : List.of("example.com", "10.0.0.0/33", "10.1", "1.2.3.*", "1.2.3.4-5", "::/129", "fe80::1%eth0", "010.0.0.1")) {
            assertThrows(InvalidInputException.class, () -> AddressRanges.parse(List.of(bad)), bad);
        }
    }

    @Test
    void metadataHeaderAndLimits() {
        KeyMetadata meta = KeyMetadata.parse("team: payments\ntenant: 42\nnote: a&b=c d/é");
        assertEquals("note=a%26b%3Dc%20d%2F%C3%A9&team=payments&tenant=42", meta.header());
        assertEquals(meta, KeyMetadata.fromJson(meta.toJson()));
        assertEquals("", KeyMetadata.NONE.header());
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 21; i++) many.append("n").append(i).append(": v\n");
        assertThrows(InvalidInputException.class, () -> KeyMetadata.parse(many.toString()));
        assertThrows(InvalidInputException.class, () -> KeyMetadata.parse("bad name: x"));
        assertThrows(InvalidInputException.class, () -> KeyMetadata.parse("a: 1\na: 2"));
        assertThrows(InvalidInputException.class, () -> KeyMetadata.parse("novalue"));
    }
}
