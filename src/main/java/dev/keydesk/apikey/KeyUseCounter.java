package dev.keydesk.apikey;

/**
 * Counts every presentation of a key by where it was presented and how it ended. Called on the
 * request thread, so an implementation only counts in memory; the usage feature writes the counts.
 */
public interface KeyUseCounter {
    /** The service id that stands for Keydesk's own API. */
    long OWN_API = 0;
    /** The key id that stands for a key no account holds (malformed or unknown). */
    long NO_KEY = 0;

    /** Counts nothing: for code paths and tests that do not count. */
    KeyUseCounter NONE = (keyId, serviceId, outcome) -> { };

    void count(long keyId, long serviceId, KeyUseOutcome outcome);

    /** Counts an authentication's outcome against the key it names, or against no key. */
    default void count(ApiKeyAuthenticator.Result result, long serviceId, KeyUseOutcome outcome) {
        KeyOwner key = ApiKeyAuthenticator.keyOf(result);
        count(key == null ? NO_KEY : key.keyId(), serviceId, outcome);
    }
}
