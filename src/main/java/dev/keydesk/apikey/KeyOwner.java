package dev.keydesk.apikey;

import dev.keydesk.keyscope.KeyRestrictions;
import dev.keydesk.user.User;
import java.time.Instant;

/**
 * What a presented key resolves to: the key's row id and its account, loaded once (by the single
 * lookup, or from the cache) and handed to the route. {@code botOwnerId} is a bot's first owner.
 * {@code expiresAt} (a main key's expiry, or a retiring key's grace end) travels with the cached
 * entry, so every process refuses the key from that instant on without asking the database.
 * {@code deviceId} and {@code deviceClient} are set for a device's key. {@code restrictions} (scope,
 * address ranges, metadata) are loaded and parsed with the key, so checking them costs no query.
 */
public record KeyOwner(long keyId, User user, Long botOwnerId, KeyKind kind, Long deviceId, String deviceClient,
                       Instant expiresAt, KeyRestrictions restrictions) {
    public KeyOwner {
        if (restrictions == null) restrictions = KeyRestrictions.NONE;
    }

    public KeyOwner(long keyId, User user, Long botOwnerId, KeyKind kind, Long deviceId, String deviceClient,
                    Instant expiresAt) {
        this(keyId, user, botOwnerId, kind, deviceId, deviceClient, expiresAt, KeyRestrictions.NONE);
    }

    /** A main key without expiry: what most accounts hold. */
    public KeyOwner(long keyId, User user, Long botOwnerId) {
        this(keyId, user, botOwnerId, KeyKind.MAIN, null, null, null);
    }

    /** Whether the key stopped working at {@code now}: expired, or its grace period over. */
    public boolean endedAt(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }

    /** Which key this is, as audit rows name it. */
    public String label() {
        return switch (kind) {
            case MAIN -> "main";
            case DEVICE -> "device " + deviceId + " (" + deviceClient + ")";
            case RETIRING -> "old key in its grace period";
        };
    }
}
