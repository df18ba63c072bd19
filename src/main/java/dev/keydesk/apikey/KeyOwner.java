package dev.keydesk.apikey;

import dev.keydesk.user.User;

/**
 * What a presented key resolves to: the key's row id and its account, loaded once (by the single
 * lookup, or from the cache) and handed to the route. {@code botOwnerId} is a bot's first owner.
 */
public record KeyOwner(long keyId, User user, Long botOwnerId) {}
