package dev.keydesk.apikey;

import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

@RegisterConstructorMapper(KeyOwner.class)
public interface ApiKeyDao {
    @SqlUpdate("INSERT INTO api_keys (user_id, digest, ciphertext) VALUES (:userId, :digest, :ciphertext)")
    void insert(@Bind("userId") long userId, @Bind("digest") byte[] digest, @Bind("ciphertext") byte[] ciphertext);

    @SqlQuery("SELECT id FROM users WHERE id = :userId FOR UPDATE")
    Optional<Long> lockUser(@Bind("userId") long userId);

    /** Retires the current key; its ciphertext is dropped because it is never shown again. */
    @SqlUpdate("UPDATE api_keys SET revoked_at = now(), ciphertext = NULL WHERE user_id = :userId AND revoked_at IS NULL")
    int revokeCurrent(@Bind("userId") long userId);

    @SqlQuery("SELECT ciphertext FROM api_keys WHERE user_id = :userId AND revoked_at IS NULL")
    Optional<byte[]> findCurrentCiphertext(@Bind("userId") long userId);

    /** The API's one lookup: the current key with this digest and the account it belongs to. */
    @SqlQuery("""
            SELECT u.id AS user_id, u.email, u.is_active
            FROM api_keys k JOIN users u ON u.id = k.user_id
            WHERE k.digest = :digest AND k.revoked_at IS NULL""")
    Optional<KeyOwner> findOwnerByDigest(@Bind("digest") byte[] digest);

    /** Tells every Keydesk process sharing this database to forget cached keys of this user (sent on commit). */
    @SqlQuery("SELECT pg_notify('" + KeyChangeListener.CHANNEL + "', :payload)")
    String notifyKeyChange(@Bind("payload") String payload);
}
