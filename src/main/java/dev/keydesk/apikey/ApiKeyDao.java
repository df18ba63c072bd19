package dev.keydesk.apikey;

import dev.keydesk.audit.AuditLog;
import dev.keydesk.keyscope.KeyRestrictions;
import dev.keydesk.user.UserDao;
import dev.keydesk.user.UserRowMapper;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.config.RegisterRowMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

public interface ApiKeyDao {
    @SqlUpdate("""
            INSERT INTO api_keys (user_id, digest, ciphertext, expires_at)
            VALUES (:userId, :digest, :ciphertext, :expiresAt)""")
    void insert(@Bind("userId") long userId, @Bind("digest") byte[] digest, @Bind("ciphertext") byte[] ciphertext,
                @Bind("expiresAt") Instant expiresAt);

    /**
     * Everything fetch_api_key writes after the password check, in one statement, since each
     * round trip is time a path bound by argon2 spends away from it: the device, its own key (no
     * ciphertext: it is handed out once and never shown again), the account's last login and the
     * audit row {@code issued} (to whose details the device's id is added). When the account
     * already had {@code deviceLimit} devices logged in, the ones beyond the newest it keeps are
     * logged out as by hand (keys revoked, device rows gone; a key never used counts from its
     * issue) and {@code loggedOut} is written too, with their number added as {@code devices}.
     *
     * <p>{@code checkedHash} is the password hash the password was verified against (null when
     * no password was asked, as by dev_fetch_api_key). Nothing is written unless the account is
     * still active with that very hash: a password change or a deactivation that commits while
     * argon2 runs logs the account's devices out, and a device issued after it would outlive
     * it. The users row is updated first and everything else waits on it, so this statement and
     * a password change take the row's lock in turn: whichever comes second sees the other's
     * work. Empty when nothing was written.
     *
     * <p>{@code newCombination} says whether no device still logged in has this client, user
     * agent and address, counting as the device's addresses the one it fetched its key from and
     * those it used the key from since: the account is told of a login unlike any it keeps,
     * whatever name the client gave itself.
     *
     * <p>Every part reads the database as it was before the statement: a device that a parallel
     * login committed meanwhile is neither counted nor logged out here, so logins at the same
     * instant may leave a device or more beyond the limit, until the account's next login trims
     * it again. A plain statement rather than a method of this interface, whose attaching readies
     * every method at each call.
     */
    static Optional<IssuedDevice> issueDeviceKey(Handle h, long userId, String checkedHash, String client, String userAgent,
                                                 String ip, byte[] digest, int deviceLimit, AuditLog.Row issued,
                                                 AuditLog.Row loggedOut, Instant now) {
        var statement = h.createQuery("""
                        WITH known AS (SELECT EXISTS (
                                           SELECT 1 FROM devices d
                                           WHERE d.user_id = :userId AND d.client = :client AND d.user_agent = :userAgent
                                             AND (d.ip = :ip OR EXISTS (
                                                      SELECT 1 FROM api_keys k JOIN api_key_addresses a ON a.key_id = k.id
                                                      WHERE k.device_id = d.id AND k.revoked_at IS NULL AND a.ip = :ip))
                                       ) AS combination_known),
                             logged_in AS (SELECT count(*) AS devices FROM (
                                               SELECT FROM api_keys WHERE user_id = :userId AND kind = 'device' AND revoked_at IS NULL
                                               LIMIT :deviceLimit) capped),
                             login AS (UPDATE users SET last_login_at = :now
                                       WHERE id = :userId AND is_active
                                         AND (CAST(:checkedHash AS text) IS NULL OR password_hash = :checkedHash)
                                       RETURNING email),
                             device AS (INSERT INTO devices (user_id, client, user_agent, ip)
                                        SELECT :userId, :client, :userAgent, :ip FROM login RETURNING id),
                             device_key AS (INSERT INTO api_keys (user_id, digest, kind, device_id)
                                            SELECT :userId, :digest, 'device', id FROM device),
                             beyond AS (SELECT id, device_id FROM api_keys
                                        WHERE user_id = :userId AND kind = 'device' AND revoked_at IS NULL
                                          AND (SELECT devices FROM logged_in) >= :deviceLimit
                                          AND EXISTS (SELECT 1 FROM device)
                                        ORDER BY coalesce(last_used_at, created_at) DESC, id DESC
                                        OFFSET :deviceLimit - 1),
                             revoked AS (UPDATE api_keys k SET revoked_at = now(), device_id = NULL FROM beyond
                                         WHERE k.id = beyond.id AND k.revoked_at IS NULL RETURNING beyond.device_id),
                             gone AS (DELETE FROM devices d USING revoked WHERE d.id = revoked.device_id),
                             audit AS (""" + AuditLog.INSERT_INTO + """
                                       SELECT :issued_event, :issued_actor, :userId, :issued_ip,
                                              CAST(:issued_details AS jsonb) || jsonb_build_object('device_id', device.id),
                                              COALESCE((SELECT email FROM users WHERE id = :issued_actor), :issued_via), login.email
                                       FROM device, login
                                       UNION ALL
                                       SELECT :out_event, :out_actor, :userId, :out_ip,
                                              CAST(:out_details AS jsonb) || jsonb_build_object('devices', count(*)),
                                              COALESCE((SELECT email FROM users WHERE id = :out_actor), :out_via),
                                              (SELECT email FROM login)
                                       FROM revoked HAVING count(*) > 0)
                        SELECT device.id AS device_id, NOT known.combination_known AS new_combination,
                               (SELECT count(*) FROM revoked) AS logged_out
                        FROM device, known""")
                .bind("userId", userId).bind("checkedHash", checkedHash).bind("client", client)
                .bind("userAgent", userAgent).bind("ip", ip).bind("digest", digest).bind("deviceLimit", deviceLimit).bind("now", now);
        return AuditLog.bindRow(AuditLog.bindRow(statement, "issued", issued), "out", loggedOut)
                .map((rs, ctx) -> new IssuedDevice(rs.getLong("device_id"), rs.getBoolean("new_combination"),
                        rs.getInt("logged_out")))
                .findOne();
    }

    /**
     * @param newCombination whether no device still logged in has this client, user agent and address
     * @param loggedOut how many devices were logged out to keep the account within its limit
     */
    record IssuedDevice(long deviceId, boolean newCombination, int loggedOut) {}

    @SqlQuery("SELECT id FROM users WHERE id = :userId FOR UPDATE")
    Optional<Long> lockUser(@Bind("userId") long userId);

    /** Retires every working key of the account (main, devices', old ones); ciphertexts go, as none is shown again. */
    @SqlUpdate("UPDATE api_keys SET revoked_at = now(), ciphertext = NULL WHERE user_id = :userId AND revoked_at IS NULL")
    int revokeAll(@Bind("userId") long userId);

    /** Revokes the keys of the account's devices; the main key and old keys stay. */
    @SqlUpdate("UPDATE api_keys SET revoked_at = now() WHERE user_id = :userId AND kind = 'device' AND revoked_at IS NULL")
    int revokeDeviceKeys(@Bind("userId") long userId);

    /**
     * Turns the current main key into an old key that works until {@code until}; returns the row
     * it retired, if any. Its ciphertext goes: an old key is never shown again.
     */
    @SqlQuery("""
            UPDATE api_keys SET kind = 'retiring', ciphertext = NULL, expires_at = :until, replaced_at = now(),
                                expiry_notices = 3
            WHERE user_id = :userId AND kind = 'main' AND revoked_at IS NULL RETURNING id""")
    Optional<Long> retireCurrent(@Bind("userId") long userId, @Bind("until") Instant until);

    /** The current main key's expiry and creation, to give a replacement the same lifetime. */
    @SqlQuery("SELECT created_at, expires_at FROM api_keys WHERE user_id = :userId AND kind = 'main' AND revoked_at IS NULL")
    @RegisterConstructorMapper(Lifetime.class)
    Optional<Lifetime> currentLifetime(@Bind("userId") long userId);

    record Lifetime(Instant createdAt, Instant expiresAt) {}

    @SqlUpdate("""
            UPDATE api_keys SET expires_at = :expiresAt, expiry_notices = 0
            WHERE user_id = :userId AND kind = 'main' AND revoked_at IS NULL""")
    int setExpiry(@Bind("userId") long userId, @Bind("expiresAt") Instant expiresAt);

    /** Ends a grace period now; returns whether the old key was still working. */
    @SqlUpdate("""
            UPDATE api_keys SET revoked_at = :now, expires_at = LEAST(expires_at, :now)
            WHERE id = :keyId AND user_id = :userId AND kind = 'retiring' AND revoked_at IS NULL""")
    int endGracePeriod(@Bind("keyId") long keyId, @Bind("userId") long userId, @Bind("now") Instant now);

    /** Revokes one device's key; returns whether it was working. */
    @SqlUpdate("""
            UPDATE api_keys SET revoked_at = now()
            WHERE device_id = :deviceId AND user_id = :userId AND kind = 'device' AND revoked_at IS NULL""")
    int revokeDeviceKey(@Bind("userId") long userId, @Bind("deviceId") long deviceId);

    /** Whether the key is the account's current main key or a device's key that was not logged out. */
    @SqlQuery("""
            SELECT EXISTS (SELECT 1 FROM api_keys
                           WHERE id = :keyId AND user_id = :userId AND kind IN ('main', 'device') AND revoked_at IS NULL)""")
    boolean isCurrentOrDevice(@Bind("keyId") long keyId, @Bind("userId") long userId);

    /** Whether the key (of any kind) still authenticates: not revoked, not past its expiry or grace end. */
    @SqlQuery("""
            SELECT EXISTS (SELECT 1 FROM api_keys
                           WHERE id = :keyId AND user_id = :userId AND revoked_at IS NULL
                             AND (expires_at IS NULL OR expires_at > :now))""")
    boolean isLive(@Bind("keyId") long keyId, @Bind("userId") long userId, @Bind("now") Instant now);

    @SqlQuery("SELECT user_id FROM api_keys WHERE id = :keyId")
    Optional<Long> userOf(@Bind("keyId") long keyId);

    @SqlQuery("SELECT device_id FROM api_keys WHERE id = :keyId AND device_id IS NOT NULL")
    Optional<Long> deviceOf(@Bind("keyId") long keyId);

    /** Where to tell a bot's owners about its key; deactivated owners are left out. */
    @SqlQuery("""
            SELECT u.email FROM bot_owners o JOIN users u ON u.id = o.owner_id
            WHERE o.bot_id = :botId AND u.is_active ORDER BY o.added_at, o.owner_id""")
    List<String> activeBotOwnerEmails(@Bind("botId") long botId);

    /** Current main keys of several accounts at once (the ciphertexts and expiries of those that have one). */
    @SqlQuery("""
            SELECT user_id, ciphertext, expires_at FROM api_keys
            WHERE user_id = ANY(:userIds) AND kind = 'main' AND revoked_at IS NULL""")
    @RegisterRowMapper(StoredKey.Mapper.class)
    List<StoredKey> findCurrentCiphertexts(@Bind("userIds") long[] userIds);

    record StoredKey(long userId, byte[] ciphertext, Instant expiresAt) {
        /** Written out: Jdbi's constructor mapper costs more than the row when a thousand keys are read. */
        public static final class Mapper implements RowMapper<StoredKey> {
            @Override
            public StoredKey map(ResultSet rs, StatementContext ctx) throws SQLException {
                Timestamp expiresAt = rs.getTimestamp("expires_at");
                return new StoredKey(rs.getLong("user_id"), rs.getBytes("ciphertext"), expiresAt == null ? null : expiresAt.toInstant());
            }
        }
    }

    /**
     * The API's one lookup: the working key with this digest (main, a device's, or an old one not
     * yet retired), its account and (for a bot) its first owner. Whether it has expired is decided
     * against the clock by the caller, from {@code expires_at}, cached along.
     */
    static Optional<KeyOwner> findOwnerByDigest(Handle h, byte[] digest) {
        return h.createQuery("SELECT k.id AS key_id, k.kind AS key_kind, k.device_id AS key_device_id, "
                        + "k.expires_at AS key_expires_at, d.client AS key_device_client, " + UserDao.columnsOf("u") + """
                        , (SELECT o.owner_id FROM bot_owners o WHERE o.bot_id = u.id
                           ORDER BY o.added_at, o.owner_id LIMIT 1) AS bot_owner_id,
                          ar.scope::text AS account_scope, ar.address_ranges AS account_ranges, ar.metadata::text AS account_metadata,
                          dr.scope::text AS device_scope, dr.address_ranges AS device_ranges
                        FROM api_keys k JOIN users u ON u.id = k.user_id LEFT JOIN devices d ON d.id = k.device_id
                        LEFT JOIN key_restrictions ar ON ar.user_id = k.user_id AND ar.device_id IS NULL
                        LEFT JOIN key_restrictions dr ON dr.device_id = k.device_id AND k.kind = 'device'
                        WHERE k.digest = :digest AND k.revoked_at IS NULL""")
                .bind("digest", digest)
                .map((rs, ctx) -> {
                    Timestamp expires = rs.getTimestamp("key_expires_at");
                    return new KeyOwner(rs.getLong("key_id"),
                            UserRowMapper.INSTANCE.map(rs, ctx),
                            rs.getObject("bot_owner_id", Long.class),
                            KeyKind.fromDb(rs.getString("key_kind")),
                            rs.getObject("key_device_id", Long.class),
                            rs.getString("key_device_client"),
                            expires == null ? null : expires.toInstant(),
                            // Parsed here, once per lookup: a cached key's checks only run the matchers.
                            new KeyRestrictions(
                                    KeyRestrictions.Limits.stored(rs.getString("account_scope"),
                                            stringArray(rs.getArray("account_ranges")), rs.getString("account_metadata")),
                                    KeyRestrictions.Limits.stored(rs.getString("device_scope"),
                                            stringArray(rs.getArray("device_ranges")), null)));
                })
                .findOne();
    }

    private static String[] stringArray(java.sql.Array array) throws java.sql.SQLException {
        return array == null ? null : (String[]) array.getArray();
    }

    /**
     * Tells every Keydesk process sharing this database to forget cached keys of these users (sent
     * on commit). A plain statement: it runs whenever a login logs a device out, and attaching
     * this interface would cost more than the statement.
     */
    static void notifyKeyChange(Handle h, String payload) {
        h.createQuery("SELECT pg_notify('" + KeyCache.CHANNEL + "', :payload)").bind("payload", payload)
                .mapTo(String.class).one();
    }
}
