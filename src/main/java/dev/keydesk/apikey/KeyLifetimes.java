package dev.keydesk.apikey;

import dev.keydesk.errors.InvalidInputException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;

/** Reading grace periods and expiry dates as forms and the API send them. */
public final class KeyLifetimes {
    /** The grace periods the confirmations offer: at once (the default), 1 hour, 24 hours, 7 days. */
    public record GraceChoice(long seconds, String label) {}

    public static final List<GraceChoice> GRACE_CHOICES = List.of(
            new GraceChoice(0, "At once"),
            new GraceChoice(3600, "After 1 hour"),
            new GraceChoice(86_400, "After 24 hours"),
            new GraceChoice(604_800, "After 7 days"));

    private KeyLifetimes() {}

    /** Seconds from 0 to 7 days; anything else is refused. */
    public static Duration grace(long seconds) {
        if (seconds < 0 || seconds > ApiKeyActions.MAX_GRACE_PERIOD.toSeconds()) {
            throw new InvalidInputException("grace_period", "The grace period must be between 0 and 604800 seconds (7 days).");
        }
        return Duration.ofSeconds(seconds);
    }

    /** A form's grace choice: empty means at once. */
    public static Duration grace(String raw) {
        if (raw == null || raw.isBlank()) return Duration.ZERO;
        try {
            return grace(Long.parseLong(raw.strip()));
        } catch (NumberFormatException e) {
            throw new InvalidInputException("grace_period", "The grace period must be a number of seconds.");
        }
    }

    /**
     * An expiry as an ISO 8601 date ("2027-01-31", the start of that day in UTC) or date and time
     * with an offset ("2027-01-31T12:00:00Z"); empty means no expiry (null).
     */
    public static Instant expiry(String raw) {
        if (raw == null || raw.isBlank()) return null;
        String text = raw.strip();
        try {
            if (text.length() == 10) return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw new InvalidInputException("api_key_expires_at",
                    "The expiry must be a date (2027-01-31) or a date and time with its offset (2027-01-31T12:00:00Z).");
        }
    }
}
