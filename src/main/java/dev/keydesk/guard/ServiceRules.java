package dev.keydesk.guard;

import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.user.AccountRules;

/** What Keydesk accepts as a guarded service's name, description and rate limit. */
public final class ServiceRules {
    public static final int MAX_NAME = 100;
    public static final int MAX_DESCRIPTION = 1000;
    public static final int MAX_RATE = 1_000_000;

    private ServiceRules() {}

    public static GuardActions.Spec check(GuardActions.Spec spec) {
        String name = spec.name() == null ? "" : spec.name().strip();
        if (name.length() < 2) throw new InvalidInputException("Give the service a name of at least 2 characters.");
        if (name.length() > MAX_NAME) throw new InvalidInputException("Service names can be at most " + MAX_NAME + " characters long.");
        if (AccountRules.hasControlCharacters(name)) {
            throw new InvalidInputException("Service names cannot contain control characters.");
        }
        String description = spec.description() == null ? "" : spec.description().strip();
        if (description.length() > MAX_DESCRIPTION) {
            throw new InvalidInputException("Descriptions can be at most " + MAX_DESCRIPTION + " characters long.");
        }
        if (spec.access() == null) throw new InvalidInputException("Choose who may call the service.");
        Integer rate = spec.rateLimitPerMinute();
        if (rate != null && (rate < 1 || rate > MAX_RATE)) {
            throw new InvalidInputException("The rate limit must be between 1 and " + MAX_RATE + " requests per minute.");
        }
        return new GuardActions.Spec(name, description, spec.access(), rate);
    }

    /** A rate limit as typed in a form or sent to the API; empty means none. */
    public static Integer rateLimit(String raw) {
        if (raw == null || raw.isBlank()) return null;
        try {
            return Integer.valueOf(raw.strip());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("The rate limit must be a whole number of requests per minute.");
        }
    }
}
