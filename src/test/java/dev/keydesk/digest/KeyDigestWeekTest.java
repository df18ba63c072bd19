package dev.keydesk.digest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Which week a moment belongs to and when that week's digest is due: ISO weeks, Monday 08:00 UTC. */
class KeyDigestWeekTest {
    @Test
    void weeksAreIsoWeeksAcrossTheTurnOfTheYear() {
        assertEquals("2026-W50", KeyDigest.week(Instant.parse("2026-12-07T00:00:00Z")));
        assertEquals("2026-W53", KeyDigest.week(Instant.parse("2027-01-03T23:59:59Z")), "1-3 January 2027 end 2026's last week");
        assertEquals("2027-W01", KeyDigest.week(Instant.parse("2027-01-04T00:00:00Z")));
        assertEquals("2020-W01", KeyDigest.week(Instant.parse("2019-12-30T12:00:00Z")), "30 December 2019 begins 2020's first week");
    }

    @Test
    void aWeeksDigestIsDueFromItsMondayAtEight() {
        Instant monday = Instant.parse("2026-12-28T08:00:00Z");
        assertEquals(monday, KeyDigest.dueAt(Instant.parse("2026-12-28T07:59:59Z")), "not yet: due later that day");
        assertEquals(monday, KeyDigest.dueAt(monday));
        assertEquals(monday, KeyDigest.dueAt(Instant.parse("2027-01-03T23:59:59Z")), "the Sunday still belongs to that week");
        assertEquals(Instant.parse("2027-01-04T08:00:00Z"), KeyDigest.dueAt(Instant.parse("2027-01-04T00:00:00Z")));
    }
}
