package dev.keydesk.apikey;

import dev.keydesk.device.Device;
import dev.keydesk.device.DeviceDao;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Reading what pages and the API show about keys: devices, lifetimes, where keys were used. */
public final class ApiKeyQueries {
    /** A client address that used a key, and when it last did. */
    public record KeyUse(String ip, Instant at) {}

    /** A device with a key of its own, and the addresses its key was used from (newest first). */
    public record DeviceKey(Device device, List<KeyUse> addresses) {}

    /** The account's main key: when it was made, when it expires (null: never), its last use. */
    public record CurrentKey(Instant createdAt, Instant expiresAt, Instant lastUsedAt, List<KeyUse> addresses) {}

    /** A replaced key still in its grace period: its uses since the rotation, and where from. */
    public record OldKey(long id, Instant replacedAt, Instant worksUntil, long uses, List<KeyUse> addresses) {
        public Optional<KeyUse> lastUse() {
            return addresses.stream().findFirst();
        }
    }

    private final Jdbi jdbi;
    private final Clock clock;

    public ApiKeyQueries(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /** A key by its row id (one an administrator looked up by its value), as it is now. */
    public Optional<FoundKey> findKey(long keyId) {
        return jdbi.withHandle(h -> KeyLookup.describe(h, keyId, clock.instant()));
    }

    /** The account's devices whose key still works, most recently issued first. */
    public List<DeviceKey> devices(long userId) {
        return jdbi.withHandle(h -> {
            List<Device> devices = h.attach(DeviceDao.class).listForUser(userId);
            Map<Long, List<KeyUse>> uses = usesByDevice(h, userId);
            return devices.stream().map(d -> new DeviceKey(d, uses.getOrDefault(d.id(), List.of()))).toList();
        });
    }

    public Optional<CurrentKey> currentKey(long userId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT id, created_at, expires_at, last_used_at FROM api_keys
                        WHERE user_id = :userId AND kind = 'main' AND revoked_at IS NULL""")
                .bind("userId", userId)
                .map((rs, ctx) -> {
                    List<KeyUse> addresses = uses(h, rs.getLong("id"));
                    return new CurrentKey(instant(rs.getTimestamp("created_at")), instant(rs.getTimestamp("expires_at")),
                            instant(rs.getTimestamp("last_used_at")), addresses);
                })
                .findOne());
    }

    /** Old keys of the account whose grace period has not ended by {@code now}, the newest first. */
    public List<OldKey> oldKeys(long userId, Instant now) {
        return jdbi.withHandle(h -> {
            List<OldKey> out = new ArrayList<>();
            for (var row : h.createQuery("""
                            SELECT id, replaced_at, expires_at, use_count FROM api_keys
                            WHERE user_id = :userId AND kind = 'retiring' AND revoked_at IS NULL AND expires_at > :now
                            ORDER BY replaced_at DESC, id DESC""")
                    .bind("userId", userId).bind("now", now).mapToMap().list()) {
                long id = ((Number) row.get("id")).longValue();
                out.add(new OldKey(id, instant((Timestamp) row.get("replaced_at")), instant((Timestamp) row.get("expires_at")),
                        ((Number) row.get("use_count")).longValue(), uses(h, id)));
            }
            return out;
        });
    }

    /** The expiry of each account's current main key, for those that have one. */
    public Map<Long, Instant> expiries(Collection<Long> userIds) {
        if (userIds.isEmpty()) return Map.of();
        Map<Long, Instant> out = new HashMap<>();
        jdbi.useHandle(h -> h.createQuery("""
                        SELECT user_id, expires_at FROM api_keys
                        WHERE user_id = ANY(:ids) AND kind = 'main' AND revoked_at IS NULL AND expires_at IS NOT NULL""")
                .bind("ids", userIds.toArray(new Long[0]))
                .map((rs, ctx) -> Map.entry(rs.getLong("user_id"), rs.getTimestamp("expires_at").toInstant()))
                .forEach(e -> out.put(e.getKey(), e.getValue())));
        return out;
    }

    private static List<KeyUse> uses(Handle h, long keyId) {
        return h.createQuery("SELECT ip, last_used_at FROM api_key_addresses WHERE key_id = :id ORDER BY last_used_at DESC, ip")
                .bind("id", keyId)
                .map((rs, ctx) -> new KeyUse(rs.getString("ip"), rs.getTimestamp("last_used_at").toInstant()))
                .list();
    }

    private static Map<Long, List<KeyUse>> usesByDevice(Handle h, long userId) {
        Map<Long, List<KeyUse>> out = new HashMap<>();
        h.createQuery("""
                        SELECT k.device_id, a.ip, a.last_used_at FROM api_key_addresses a JOIN api_keys k ON k.id = a.key_id
                        WHERE k.user_id = :userId AND k.kind = 'device' AND k.revoked_at IS NULL AND k.device_id IS NOT NULL
                        ORDER BY a.last_used_at DESC, a.ip""")
                .bind("userId", userId)
                .map((rs, ctx) -> Map.entry(rs.getLong("device_id"),
                        new KeyUse(rs.getString("ip"), rs.getTimestamp("last_used_at").toInstant())))
                .forEach(e -> out.computeIfAbsent(e.getKey(), id -> new ArrayList<>()).add(e.getValue()));
        return out;
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
