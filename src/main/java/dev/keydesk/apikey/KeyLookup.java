package dev.keydesk.apikey;

import dev.keydesk.audit.AuditEntry;
import dev.keydesk.device.Device;
import dev.keydesk.device.DeviceDao;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;

/**
 * "Whose key is this?", answered by digest, never by the key itself: the leak reports and the
 * administrators' lookup both ask here. {@link #describe} is the single classification of a
 * digest into a {@link FoundKeyKind}.
 */
public final class KeyLookup {
    /** Audit entries shown with a looked-up key. */
    static final int AUDIT_ENTRIES = 20;

    /** What the administrators' lookup shows about a key besides the key itself. */
    public record Report(FoundKey key, List<String> botOwners, List<Device> devices, List<AuditEntry> auditEntries) {}

    private KeyLookup() {}

    private static final String COLUMNS = """
            SELECT k.id, k.user_id, k.created_at, k.last_used_at, k.revoked_at, k.kind, k.expires_at,
                   u.email, u.full_name, u.is_bot, u.is_active
            FROM api_keys k JOIN users u ON u.id = k.user_id
            """;

    /**
     * The key with this digest, current or not, as it is at {@code now} (the clock authentication
     * uses, so a key is past its expiry here exactly when it is refused); empty when Keydesk never
     * issued it.
     */
    public static Optional<FoundKey> describe(Handle h, byte[] digest, Instant now) {
        return h.createQuery(COLUMNS + "WHERE k.digest = :digest").bind("digest", digest)
                .map((rs, ctx) -> found(rs, now)).findOne();
    }

    /** The key with this row id, for acting on a key that was looked up by its value before. */
    static Optional<FoundKey> describe(Handle h, long keyId, Instant now) {
        return h.createQuery(COLUMNS + "WHERE k.id = :id").bind("id", keyId)
                .map((rs, ctx) -> found(rs, now)).findOne();
    }

    private static FoundKey found(ResultSet rs, Instant now) throws SQLException {
        boolean isBot = rs.getBoolean("is_bot");
        Instant revokedAt = instant(rs, "revoked_at");
        Instant expiresAt = instant(rs, "expires_at");
        // The classification: a revoked key, or one past its expiry or grace period, is no longer
        // current whoever it belonged to; otherwise the row's kind says what it is.
        boolean lapsed = revokedAt != null || (expiresAt != null && !expiresAt.isAfter(now));
        FoundKeyKind kind = lapsed ? FoundKeyKind.NOT_CURRENT : switch (KeyKind.fromDb(rs.getString("kind"))) {
            case MAIN -> isBot ? FoundKeyKind.BOT : FoundKeyKind.MAIN;
            case DEVICE -> FoundKeyKind.DEVICE;
            case RETIRING -> FoundKeyKind.GRACE;
        };
        return new FoundKey(rs.getLong("id"), kind, rs.getLong("user_id"), rs.getString("email"),
                rs.getString("full_name"), isBot, rs.getBoolean("is_active"), instant(rs, "created_at"),
                instant(rs, "last_used_at"), revokedAt);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    /**
     * The bot's owners, the devices that fetched a main key (where it was used from), and the
     * audit entries about the key: those naming it, and those about its account while it was the
     * account's key.
     */
    static Report report(Handle h, FoundKey key) {
        List<String> owners = !key.isBot() ? List.of() : h.createQuery("""
                        SELECT u.full_name || ' <' || u.email || '>' FROM bot_owners o JOIN users u ON u.id = o.owner_id
                        WHERE o.bot_id = :bot ORDER BY o.added_at, o.owner_id""")
                .bind("bot", key.userId()).mapTo(String.class).list();
        // fetch_api_key's devices belong to the current main key: replacing it logs them out.
        List<Device> devices = key.kind() == FoundKeyKind.MAIN || key.kind() == FoundKeyKind.DEVICE
                ? h.attach(DeviceDao.class).listForUser(key.userId()) : List.of();
        List<AuditEntry> audit = h.createQuery("""
                        SELECT id, event_type, actor_label, target_label, ip, details::text AS details, created_at
                        FROM audit_log
                        WHERE details ->> 'key_id' = :keyId
                           OR (target_user_id = :user AND created_at >= :created
                               AND (CAST(:revoked AS timestamptz) IS NULL OR created_at <= :revoked))
                        ORDER BY created_at DESC, id DESC LIMIT :limit""")
                .bind("keyId", Long.toString(key.keyId()))
                .bind("user", key.userId())
                .bind("created", key.createdAt())
                .bind("revoked", key.revokedAt())
                .bind("limit", AUDIT_ENTRIES)
                .map(ConstructorMapper.of(AuditEntry.class)).list();
        return new Report(key, owners, devices, audit);
    }

    /** The first eight hex digits of a digest: enough to tell reports apart in the audit log, useless for anything else. */
    static String digestPrefix(byte[] digest) {
        return HexFormat.of().formatHex(digest, 0, 4);
    }
}
