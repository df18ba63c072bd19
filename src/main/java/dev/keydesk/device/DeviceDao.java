package dev.keydesk.device;

import java.util.List;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

@RegisterConstructorMapper(Device.class)
public interface DeviceDao {
    @SqlUpdate("""
            INSERT INTO devices (user_id, client, user_agent, ip) VALUES (:userId, :client, :userAgent, :ip)
            ON CONFLICT (user_id, client, ip)
            DO UPDATE SET last_seen_at = now(), user_agent = EXCLUDED.user_agent""")
    void recordUse(@Bind("userId") long userId, @Bind("client") String client,
                   @Bind("userAgent") String userAgent, @Bind("ip") String ip);

    @SqlQuery("SELECT EXISTS (SELECT 1 FROM devices WHERE user_id = :userId AND client = :client)")
    boolean knowsClient(@Bind("userId") long userId, @Bind("client") String client);

    @SqlQuery("""
            SELECT id, client, user_agent, ip, first_seen_at, last_seen_at
            FROM devices WHERE user_id = :userId ORDER BY last_seen_at DESC""")
    List<Device> listForUser(@Bind("userId") long userId);

    @SqlUpdate("DELETE FROM devices WHERE user_id = :userId")
    int deleteAllForUser(@Bind("userId") long userId);
}
