package dev.keydesk.apikey;

import dev.keydesk.security.Tokens;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.jdbi.v3.core.Jdbi;

/**
 * The API's hot path: a format check, one SHA-256, then the cache or one indexed lookup.
 * No argon2 here: API keys are long random secrets, so a fast digest is enough.
 */
public final class ApiKeyAuthenticator {
    public sealed interface Result permits Authenticated, Malformed, Invalid, Deactivated {}

    public record Authenticated(KeyOwner owner) implements Result {}

    public record Malformed() implements Result {}

    public record Invalid() implements Result {}

    public record Deactivated() implements Result {}

    private final Jdbi jdbi;
    private final KeyCache cache;
    private final KeyUsage usage;
    private final LongAdder databaseLookups = new LongAdder();

    public ApiKeyAuthenticator(Jdbi jdbi, KeyCache cache, KeyUsage usage) {
        this.jdbi = jdbi;
        this.cache = cache;
        this.usage = usage;
    }

    public Result authenticate(String email, String apiKey) {
        if (!ApiKeyFormat.isWellFormed(apiKey)) {
            return new Malformed();
        }
        byte[] digest = Tokens.sha256(apiKey);
        String digestHex = HexFormat.of().formatHex(digest);
        KeyOwner owner = cache.get(digestHex);
        if (owner == null) {
            databaseLookups.increment();
            long generation = cache.generation();
            Optional<KeyOwner> found = jdbi.withHandle(h -> ApiKeyDao.findOwnerByDigest(h, digest));
            if (found.isEmpty()) return new Invalid();
            owner = found.get();
            cache.put(digestHex, owner, generation);
        }
        if (!sameEmail(owner.user().email(), email)) return new Invalid();
        if (!owner.user().isActive()) return new Deactivated();
        usage.recordUse(digest, digestHex);
        return new Authenticated(owner);
    }

    /** How many keys were looked up in the database (cache misses); reported by the benchmark. */
    public long databaseLookups() {
        return databaseLookups.sum();
    }

    private static boolean sameEmail(String stored, String presented) {
        if (presented == null) return false;
        return MessageDigest.isEqual(
                stored.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8),
                presented.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
    }
}
