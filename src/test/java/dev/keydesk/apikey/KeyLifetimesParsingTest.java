package dev.keydesk.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.keydesk.errors.InvalidInputException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Grace periods and expiry dates as forms and the API send them. */
class KeyLifetimesParsingTest {
    @Test
    void gracePeriodsRunFromNothingToSevenDays() {
        assertEquals(Duration.ZERO, KeyLifetimes.grace(""));
        assertEquals(Duration.ZERO, KeyLifetimes.grace((String) null));
        assertEquals(Duration.ofHours(1), KeyLifetimes.grace("3600"));
        assertEquals(Duration.ofDays(7), KeyLifetimes.grace(604_800));
        for (String bad : new String[] {"-1", "604801", "1h", "9999999999999999999999"}) {
            assertThrows(InvalidInputException.class, () -> KeyLifetimes.grace(bad), bad);
        }
    }

    @Test
    void theChoicesOfferedAreAllAccepted() {
        for (KeyLifetimes.GraceChoice choice : KeyLifetimes.GRACE_CHOICES) {
            assertEquals(Duration.ofSeconds(choice.seconds()), KeyLifetimes.grace(Long.toString(choice.seconds())));
        }
        assertEquals(0, KeyLifetimes.GRACE_CHOICES.get(0).seconds(), "at once comes first, the default");
    }

    @Test
    void expiriesAreDaysOrMomentsWithAnOffset() {
        assertNull(KeyLifetimes.expiry(" "));
        assertEquals(Instant.parse("2030-01-31T00:00:00Z"), KeyLifetimes.expiry("2030-01-31"));
        assertEquals(Instant.parse("2030-01-31T10:00:00Z"), KeyLifetimes.expiry("2030-01-31T12:00:00+02:00"));
        for (String bad : new String[] {"31/01/2030", "2030-02-30", "2030-01-31T12:00:00", "tomorrow"}) {
            assertThrows(InvalidInputException.class, () -> KeyLifetimes.expiry(bad), bad);
        }
    }
}
