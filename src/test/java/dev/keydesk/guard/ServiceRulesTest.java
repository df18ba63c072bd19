package dev.keydesk.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.keydesk.errors.InvalidInputException;
import org.junit.jupiter.api.Test;

/** What Keydesk accepts for a guarded service's name, description and rate limit. */
class ServiceRulesTest {
    private static GuardActions.Spec spec(String name, Integer rate) {
        return new GuardActions.Spec(name, "  Dashboards  ", Access.EVERYONE, rate);
    }

    @Test
    void namesAndDescriptionsAreTrimmed() {
        GuardActions.Spec checked = ServiceRules.check(spec("  Grafana  ", 60));
        assertEquals("Grafana", checked.name());
        assertEquals("Dashboards", checked.description());
        assertEquals(60, checked.rateLimitPerMinute());
    }

    @Test
    void badNamesAreRefused() {
        assertThrows(InvalidInputException.class, () -> ServiceRules.check(spec("G", null)));
        assertThrows(InvalidInputException.class, () -> ServiceRules.check(spec("x".repeat(101), null)));
        assertThrows(InvalidInputException.class, () -> ServiceRules.check(spec("Graf\nana", null)));
        assertThrows(InvalidInputException.class, () -> ServiceRules.check(spec("Billing\u202Eexe.gnp", null)),
                "a right-to-left override would make the name read as another");
    }

    @Test
    void rateLimitsAreWholePositiveNumbers() {
        assertNull(ServiceRules.rateLimit(" "));
        assertEquals(120, ServiceRules.rateLimit(" 120 "));
        assertThrows(InvalidInputException.class, () -> ServiceRules.rateLimit("lots"));
        assertThrows(InvalidInputException.class, () -> ServiceRules.check(spec("Search", 0)));
        assertThrows(InvalidInputException.class, () -> ServiceRules.check(spec("Search", 1_000_001)));
    }
}
