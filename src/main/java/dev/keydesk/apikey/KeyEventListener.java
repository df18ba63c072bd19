package dev.keydesk.apikey;

import java.time.Instant;
import org.jdbi.v3.core.Handle;

/**
 * Told, inside the transaction, about what happens to a key over its life, so the features above
 * (a bot's webhook, its owners' e-mail) hear of it in the same commit.
 */
public interface KeyEventListener {
    /** An existing key was replaced; {@code oldKeyWorksUntil} is the end of its grace period, null when it stopped at once. */
    void replaced(Handle handle, long userId, Instant oldKeyWorksUntil);

    /** An old key's grace period ended (at its time, or early by hand). */
    void oldKeyRetired(Handle handle, long userId, Instant at);

    /** The account's key expires at {@code expiresAt}, which is within days. */
    void expiring(Handle handle, long userId, Instant expiresAt);

    /** The account's key expired. */
    void expired(Handle handle, long userId, Instant expiresAt);
}
