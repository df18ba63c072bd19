package dev.keydesk.device;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

@RegisterConstructorMapper(Device.class)
public interface DeviceDao {
    /** The account's devices whose key still works, most recently issued first. */
    @SqlQuery("""
            SELECT d.id, d.client, d.user_agent, d.ip, d.first_seen_at AS issued_at, k.last_used_at
            FROM devices d JOIN api_keys k ON k.device_id = d.id AND k.revoked_at IS NULL
            WHERE d.user_id = :userId ORDER BY d.first_seen_at DESC, d.id DESC""")
    List<Device> listForUser(@Bind("userId") long userId);

    @SqlQuery("""
            SELECT d.id, d.client, d.user_agent, d.ip, d.first_seen_at AS issued_at, k.last_used_at
            FROM devices d JOIN api_keys k ON k.device_id = d.id AND k.revoked_at IS NULL
            WHERE d.user_id = :userId AND d.id = :deviceId""")
    Optional<Device> find(@Bind("userId") long userId, @Bind("deviceId") long deviceId);

    @SqlUpdate("DELETE FROM devices WHERE user_id = :userId AND id = :deviceId")
    int delete(@Bind("userId") long userId, @Bind("deviceId") long deviceId);

    @SqlUpdate("DELETE FROM devices WHERE user_id = :userId")
    int deleteAllForUser(@Bind("userId") long userId);
}
