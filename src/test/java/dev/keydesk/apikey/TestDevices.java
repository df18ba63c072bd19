package dev.keydesk.apikey;

import dev.keydesk.audit.Actor;
import dev.keydesk.audit.AuditEvent;
import dev.keydesk.audit.AuditLog;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/** Logs a device in with a key whose digest the test chooses, as fetch_api_key's statement does. */
final class TestDevices {
    private TestDevices() {}

    static long logIn(Handle h, long userId, String client, String userAgent, String ip, byte[] digest) {
        Actor actor = Actor.api(userId, ip);
        return ApiKeyDao.issueDeviceKey(h, userId, null, client, userAgent, ip, digest, ApiKeyActions.MAX_DEVICES_PER_ACCOUNT,
                new AuditLog.Row(AuditEvent.DEVICE_KEY_ISSUED, actor, Map.of("purpose", "test", "client", client)),
                new AuditLog.Row(AuditEvent.DEVICES_LOGGED_OUT, actor, Map.of()), java.time.Instant.now()).orElseThrow().deviceId();
    }
}
