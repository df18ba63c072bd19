package dev.keydesk.apikey;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.keydesk.audit.Actor;
import dev.keydesk.audit.AuditEvent;
import dev.keydesk.audit.AuditLog;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit row of a key used from outside its address ranges, written the first time in each
 * minute for each key (per process): a client that keeps retrying must not fill the log, nor cost
 * a statement per request.
 */
final class KeyAddressRefusals {
    private static final Logger LOG = LoggerFactory.getLogger(KeyAddressRefusals.class);

    private final Jdbi jdbi;
    private final Clock clock;
    private final Cache<String, Boolean> recorded = Caffeine.newBuilder()
            .expireAfterWrite(Duration.ofMinutes(2)).maximumSize(100_000).build();

    KeyAddressRefusals(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    void refused(KeyOwner owner, String ip) {
        String minute = owner.keyId() + ":" + clock.millis() / 60_000;
        if (recorded.asMap().putIfAbsent(minute, Boolean.TRUE) != null) return;
        try {
            jdbi.useTransaction(h -> AuditLog.record(h, AuditEvent.KEY_ADDRESS_REFUSED,
                    Actor.api(owner.user().id(), ip, owner.label()), owner.user().id(),
                    Map.of("key", owner.label(), "from", ip == null ? "unknown" : ip, "key_id", owner.keyId())));
        } catch (RuntimeException e) {
            // The refusal stands either way; only its record is lost while the database is away.
            recorded.invalidate(minute);
            LOG.warn("Could not record a key used from outside its address ranges: {}", e.toString());
        }
    }
}
