package dev.keydesk.apikey;

import dev.keydesk.user.User;
import dev.keydesk.user.UserDao;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

public interface ApiKeyDao {
    @SqlUpdate("INSERT INTO api_keys (user_id, digest, ciphertext) VALUES (:userId, :digest, :ciphertext)")
    void insert(@Bind("userId") long userId, @Bind("digest") byte[] digest, @Bind("ciphertext") byte[] ciphertext);

    @SqlQuery("SELECT id FROM users WHERE id = :userId FOR UPDATE")
    Optional<Long> lockUser(@Bind("userId") long userId);

    /** Retires the current key; its ciphertext is dropped because it is never shown again. */
    @SqlUpdate("UPDATE api_keys SET revoked_at = now(), ciphertext = NULL WHERE user_id = :userId AND revoked_at IS NULL")
    int revokeCurrent(@Bind("userId") long userId);

    @SqlQuery("SELECT EXISTS (SELECT 1 FROM api_keys WHERE id = :keyId AND user_id = :userId AND revoked_at IS NULL)")
    boolean isCurrent(@Bind("keyId") long keyId, @Bind("userId") long userId);

    @SqlQuery("SELECT user_id FROM api_keys WHERE id = :keyId")
    Optional<Long> userOf(@Bind("keyId") long keyId);

    /** Where to tell a bot's owners about its key; deactivated owners are left out. */
    @SqlQuery("""
            SELECT u.email FROM bot_owners o JOIN users u ON u.id = o.owner_id
            WHERE o.bot_id = :botId AND u.is_active ORDER BY o.added_at, o.owner_id""")
    List<String> activeBotOwnerEmails(@Bind("botId") long botId);

    @SqlQuery("SELECT ciphertext FROM api_keys WHERE user_id = :userId AND revoked_at IS NULL")
    Optional<byte[]> findCurrentCiphertext(@Bind("userId") long userId);

    /** Current keys of several accounts at once (the ciphertexts of those that have one). */
    @SqlQuery("SELECT user_id, ciphertext FROM api_keys WHERE user_id = ANY(:userIds) AND revoked_at IS NULL")
    @RegisterConstructorMapper(StoredKey.class)
    List<StoredKey> findCurrentCiphertexts(@Bind("userIds") long[] userIds);

    record StoredKey(long userId, byte[] ciphertext) {}

    /** The API's one lookup: the current key with this digest, its account and (for a bot) its first owner. */
    static Optional<KeyOwner> findOwnerByDigest(Handle h, byte[] digest) {
        return h.createQuery("SELECT k.id AS key_id, " + UserDao.columnsOf("u") + """
                        , (SELECT o.owner_id FROM bot_owners o WHERE o.bot_id = u.id
                           ORDER BY o.added_at, o.owner_id LIMIT 1) AS bot_owner_id
                        FROM api_keys k JOIN users u ON u.id = k.user_id
                        WHERE k.digest = :digest AND k.revoked_at IS NULL""")
                .bind("digest", digest)
                .registerRowMapper(ConstructorMapper.factory(User.class))
                .map((rs, ctx) -> new KeyOwner(rs.getLong("key_id"),
                        ctx.findRowMapperFor(User.class).orElseThrow().map(rs, ctx),
                        rs.getObject("bot_owner_id", Long.class)))
                .findOne();
    }

    /** Tells every Keydesk process sharing this database to forget cached keys of this user (sent on commit). */
    @SqlQuery("SELECT pg_notify('" + KeyCache.CHANNEL + "', :payload)")
    String notifyKeyChange(@Bind("payload") String payload);
}
