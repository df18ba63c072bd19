package dev.keydesk.guard;

import dev.keydesk.keyscope.KeyRestrictions;
import java.sql.Array;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** The key_restrictions rows: an account's (device_id NULL) and its devices'. */
final class KeyRestrictionsDao {
    private KeyRestrictionsDao() {}

    static void saveAccount(Handle h, long userId, KeyRestrictions.Limits limits) {
        h.createUpdate("DELETE FROM key_restrictions WHERE user_id = :userId AND device_id IS NULL").bind("userId", userId).execute();
        if (!limits.isNone()) insert(h, userId, null, limits);
    }

    static void saveDevice(Handle h, long userId, long deviceId, KeyRestrictions.Limits limits) {
        h.createUpdate("DELETE FROM key_restrictions WHERE device_id = :deviceId").bind("deviceId", deviceId).execute();
        if (!limits.isNone()) insert(h, userId, deviceId, limits);
    }

    private static void insert(Handle h, long userId, Long deviceId, KeyRestrictions.Limits limits) {
        h.createUpdate("""
                        INSERT INTO key_restrictions (user_id, device_id, scope, address_ranges, metadata)
                        VALUES (:userId, :deviceId, CAST(:scope AS jsonb), :ranges, CAST(:metadata AS jsonb))""")
                .bind("userId", userId).bind("deviceId", deviceId).bind("scope", limits.scope().toJson())
                .bindArray("ranges", String.class, limits.ranges().entries())
                .bind("metadata", limits.metadata().toJson())
                .execute();
    }

    static boolean deviceBelongsTo(Handle h, long deviceId, long userId) {
        return h.createQuery("SELECT EXISTS (SELECT 1 FROM devices WHERE id = :deviceId AND user_id = :userId)")
                .bind("deviceId", deviceId).bind("userId", userId).mapTo(Boolean.class).one();
    }

    /** The account's own limits (none without a row). */
    static KeyRestrictions.Limits account(Handle h, long userId) {
        return h.createQuery("""
                        SELECT scope::text AS scope, address_ranges, metadata::text AS metadata FROM key_restrictions
                        WHERE user_id = :userId AND device_id IS NULL""")
                .bind("userId", userId).map((rs, ctx) -> limits(rs.getString("scope"), rs.getArray("address_ranges"),
                        rs.getString("metadata"))).findOne().orElse(KeyRestrictions.Limits.NONE);
    }

    /** The limits of these accounts that have any, by account. */
    static Map<Long, KeyRestrictions.Limits> accounts(Handle h, long[] userIds) {
        Map<Long, KeyRestrictions.Limits> out = new HashMap<>();
        h.createQuery("""
                        SELECT user_id, scope::text AS scope, address_ranges, metadata::text AS metadata FROM key_restrictions
                        WHERE user_id = ANY(:userIds) AND device_id IS NULL""")
                .bind("userIds", userIds)
                .map((rs, ctx) -> Map.entry(rs.getLong("user_id"), limits(rs.getString("scope"), rs.getArray("address_ranges"),
                        rs.getString("metadata"))))
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /** Each device's own limits, for the account's devices that have any. */
    static Map<Long, KeyRestrictions.Limits> devices(Handle h, long userId) {
        Map<Long, KeyRestrictions.Limits> out = new HashMap<>();
        h.createQuery("""
                        SELECT device_id, scope::text AS scope, address_ranges FROM key_restrictions
                        WHERE user_id = :userId AND device_id IS NOT NULL""")
                .bind("userId", userId)
                .map((rs, ctx) -> Map.entry(rs.getLong("device_id"), limits(rs.getString("scope"), rs.getArray("address_ranges"), null)))
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    static Optional<Long> deviceOfKey(Handle h, byte[] digest) {
        return h.createQuery("SELECT device_id FROM api_keys WHERE digest = :digest AND device_id IS NOT NULL")
                .bind("digest", digest).mapTo(Long.class).findOne();
    }

    static Optional<Long> ownerOfDevice(Handle h, long deviceId) {
        return h.createQuery("SELECT user_id FROM devices WHERE id = :id").bind("id", deviceId).mapTo(Long.class).findOne();
    }

    private static KeyRestrictions.Limits limits(String scope, Array ranges, String metadata) throws SQLException {
        return KeyRestrictions.Limits.stored(scope, ranges == null ? null : (String[]) ranges.getArray(), metadata);
    }
}
