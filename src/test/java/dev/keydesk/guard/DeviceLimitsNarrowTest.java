package dev.keydesk.guard;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.keyscope.AddressRanges;
import dev.keydesk.keyscope.KeyMetadata;
import dev.keydesk.keyscope.KeyRestrictions;
import dev.keydesk.keyscope.KeyScope;
import dev.keydesk.keyscope.PathPattern;
import dev.keydesk.keyscope.ScopeRule;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A device's limits may only narrow its account's: what counts as narrower, and how a wider entry is named. */
class DeviceLimitsNarrowTest {
    private static final Map<Long, String> NAMES = Map.of(1L, "Grafana", 2L, "Wiki");

    private static KeyRestrictions.Limits limits(Map<Long, List<String>> scope, String ranges) {
        KeyScope parsed = scope == null ? KeyScope.UNRESTRICTED : KeyScope.of(scope.entrySet().stream().collect(
                java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue().stream().map(ScopeRule::parse).toList())));
        return new KeyRestrictions.Limits(parsed, AddressRanges.parse(ranges), KeyMetadata.NONE);
    }

    private static final KeyRestrictions.Limits ACCOUNT = limits(Map.of(1L, List.of("GET,HEAD /api/**", "* /status"), 2L, List.of()),
            "10.0.0.0/8\n2001:db8::/32");

    @ParameterizedTest
    @CsvSource({
            "/api/**, /api/**, true", "/api/**, /api/dashboards/*, true", "/api/**, /api, true", "/api/**, /apix, false",
            "/api/**, /**, false", "/api/*, /api/a*, true", "/api/a*, /api/*, false", "/api/a*, /api/a*, true",
            "/**, /x/**/y, true", "/x/**, /x/**/y, true", "/x/*/y, /x/**/y, false", "/status, /status, true",
            "/a/*.csv, /a/b.csv, true", "/a/*.csv, /a/*.txt, false", "/a/**/z, /a/b/c/z, true", "/a/**/z, /a/b/c, false"})
    void aPatternCoversOnlyWhatItMatchesEverywhere(String mine, String theirs, boolean covered) {
        assertEquals(covered, PathPattern.parse(mine).covers(PathPattern.parse(theirs)));
    }

    @Test
    void methodsNarrowToo() {
        assertTrue(ScopeRule.parse("GET,HEAD /api/**").covers(ScopeRule.parse("GET /api/x")));
        assertFalse(ScopeRule.parse("GET,HEAD /api/**").covers(ScopeRule.parse("POST /api/x")));
        assertFalse(ScopeRule.parse("GET /api/**").covers(ScopeRule.parse("* /api/x")), "any method is wider than GET");
        assertTrue(ScopeRule.parse("* /**").covers(ScopeRule.parse("read-only")));
        assertTrue(ScopeRule.parse("read-only").covers(ScopeRule.parse("GET /api/**")));
    }

    @Test
    void narrowerLimitsAndNoLimitsOfItsOwnAreAccepted() {
        assertDoesNotThrow(() -> KeyRestrictionActions.checkNarrows(ACCOUNT, KeyRestrictions.Limits.NONE, NAMES));
        assertDoesNotThrow(() -> KeyRestrictionActions.checkNarrows(ACCOUNT,
                limits(Map.of(1L, List.of("GET /api/dashboards/**"), 2L, List.of("read-only")), "10.1.0.0/16 2001:db8:1::/48"), NAMES));
        assertDoesNotThrow(() -> KeyRestrictionActions.checkNarrows(KeyRestrictions.Limits.NONE,
                limits(Map.of(2L, List.of()), "192.0.2.0/24"), NAMES));
    }

    @Test
    void aWiderEntryIsRefusedByName() {
        InvalidInputException service = assertThrows(InvalidInputException.class, () -> KeyRestrictionActions.checkNarrows(
                limits(Map.of(1L, List.of()), ""), limits(Map.of(2L, List.of()), ""), NAMES));
        assertEquals("scope", service.field());
        assertTrue(service.getMessage().startsWith("Too wide: Wiki is not among the services"), service.getMessage());

        InvalidInputException rule = assertThrows(InvalidInputException.class, () -> KeyRestrictionActions.checkNarrows(
                ACCOUNT, limits(Map.of(1L, List.of("GET /api/**", "POST /api/x")), ""), NAMES));
        assertEquals("Too wide: “POST /api/x” on Grafana goes beyond the account's rules for it (GET,HEAD /api/**, * /status).",
                rule.getMessage());

        InvalidInputException any = assertThrows(InvalidInputException.class, () -> KeyRestrictionActions.checkNarrows(
                ACCOUNT, limits(Map.of(1L, List.of()), ""), NAMES));
        assertTrue(any.getMessage().startsWith("Too wide: any request to Grafana"), any.getMessage());

        InvalidInputException range = assertThrows(InvalidInputException.class, () -> KeyRestrictionActions.checkNarrows(
                ACCOUNT, limits(null, "10.2.0.0/16 192.0.2.0/24 10.0.0.0/7"), NAMES));
        assertEquals("address_ranges", range.field());
        assertEquals("Too wide: 192.0.2.0/24, 10.0.0.0/7 are outside the account's address ranges (10.0.0.0/8, 2001:db8::/32).",
                range.getMessage());
    }
}
