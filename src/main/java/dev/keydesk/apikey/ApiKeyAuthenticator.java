package dev.keydesk.apikey;

import dev.keydesk.security.Tokens;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.LongAdder;
import org.jdbi.v3.core.Jdbi;

/**
 * The hot path of the API and of the verification endpoints: a format check, one SHA-256, then
 * the cache or one indexed lookup. No argon2 here: API keys are long random secrets, so a fast
 * digest is enough. A well-formed key that matches nothing is remembered as a miss, so someone
 * replaying made-up keys cannot push a query per attempt into PostgreSQL.
 */
public final class ApiKeyAuthenticator {
    public sealed interface Result permits Authenticated, Malformed, Invalid, Deactivated, Expired, WrongAddress {}

    public record Authenticated(KeyOwner owner) implements Result {}

    public record Malformed() implements Result {}

    public record Invalid() implements Result {}

    public record Deactivated(KeyOwner owner) implements Result {}

    /** A valid key presented from outside its address ranges. */
    public record WrongAddress(KeyOwner owner) implements Result {}

    /** A main key past its expiry date. */
    public record Expired(KeyOwner owner) implements Result {}

    private final Jdbi jdbi;
    private final KeyCache cache;
    private final KeyUsage usage;
    private final Clock clock;
    private final LongAdder databaseLookups = new LongAdder();
    private final KeyAddressRefusals addressRefusals;
    private final Counter cacheHits;
    private final Counter knownMisses;
    private final Counter lookups;

    public ApiKeyAuthenticator(Jdbi jdbi, KeyCache cache, KeyUsage usage, MeterRegistry meters, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.cache = cache;
        this.usage = usage;
        this.addressRefusals = new KeyAddressRefusals(jdbi, clock);
        this.cacheHits = lookupCounter(meters, "cache");
        this.knownMisses = lookupCounter(meters, "known_miss");
        this.lookups = lookupCounter(meters, "database");
    }

    private static Counter lookupCounter(MeterRegistry meters, String source) {
        return Counter.builder("keydesk_key_lookups").description("Well-formed keys resolved, by where the answer came from")
                .tag("source", source).register(meters);
    }

    /**
     * HTTP Basic: the key, and the e-mail address that must be its owner's. {@code ip} is the
     * client's address, recorded (off this thread) as where the key was used.
     */
    public Result authenticate(String email, String apiKey, String ip) {
        return checked(email, apiKey, ip, resolve(apiKey, true));
    }

    /**
     * The same from memory alone: {@code null} when the answer would need the database (a key
     * neither cached nor remembered as unknown).
     */
    public Result authenticateFromCache(String email, String apiKey, String ip) {
        Result result = resolve(apiKey, false);
        return result == null ? null : checked(email, apiKey, ip, result);
    }

    /** The key a result names: an accepted, deactivated, expired or misplaced one; null for an unknown key. */
    public static KeyOwner keyOf(Result result) {
        return result instanceof Authenticated a ? a.owner()
                : result instanceof Deactivated d ? d.owner()
                : result instanceof Expired e ? e.owner()
                : result instanceof WrongAddress w ? w.owner() : null;
    }

    private Result checked(String email, String apiKey, String ip, Result result) {
        KeyOwner owner = keyOf(result);
        if (owner != null && !sameEmail(owner.user().email(), email)) return new Invalid();
        return used(apiKey, ip, result);
    }

    /** Checks where the key is used from, from the cached entry, and records the use of an accepted key. */
    private Result used(String apiKey, String ip, Result result) {
        if (!(result instanceof Authenticated ok)) return result;
        if (!ok.owner().restrictions().admitsAddress(ip)) {
            addressRefusals.refused(ok.owner(), ip);
            return new WrongAddress(ok.owner());
        }
        usage.recordUse(digestHex(apiKey), ok.owner(), ip);
        return result;
    }

    /** A key presented alone (a Bearer token or an X-Api-Key header). */
    public Result authenticate(String apiKey, String ip) {
        return used(apiKey, ip, resolve(apiKey, true));
    }

    private static String digestHex(String apiKey) {
        return HexFormat.of().formatHex(Tokens.sha256(apiKey));
    }

    /** The key's owner; {@code null} if that needs the database and {@code mayQuery} is false. */
    private Result resolve(String apiKey, boolean mayQuery) {
        if (!ApiKeyFormat.isWellFormed(apiKey)) {
            return new Malformed();
        }
        byte[] digest = Tokens.sha256(apiKey);
        String digestHex = HexFormat.of().formatHex(digest);
        KeyOwner owner = cache.get(digestHex);
        if (owner != null) {
            cacheHits.increment();
        } else {
            if (cache.isKnownMiss(digestHex)) {
                knownMisses.increment();
                return new Invalid();
            }
            if (!mayQuery) return null;
            lookups.increment();
            databaseLookups.increment();
            long generation = cache.generation();
            Optional<KeyOwner> found = jdbi.withHandle(h -> ApiKeyDao.findOwnerByDigest(h, digest));
            if (found.isEmpty()) {
                cache.putMiss(digestHex, generation);
                return new Invalid();
            }
            owner = found.get();
            cache.put(digestHex, owner, generation);
        }
        if (!owner.user().isActive()) return new Deactivated(owner);
        // Checked against the clock on every use, from the cached entry: an expiry or the end of a
        // grace period takes effect in every process at that instant, with no query and no notice.
        if (owner.endedAt(clock.instant())) {
            return owner.kind() == KeyKind.RETIRING ? new Invalid() : new Expired(owner);
        }
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
