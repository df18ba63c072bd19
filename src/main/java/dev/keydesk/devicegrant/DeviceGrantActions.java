package dev.keydesk.devicegrant;

import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.audit.Actor;
import dev.keydesk.audit.AuditEvent;
import dev.keydesk.audit.AuditLog;
import dev.keydesk.device.ClientName;
import dev.keydesk.guard.KeyRestrictionActions;
import dev.keydesk.guard.KeyRestrictionQueries;
import dev.keydesk.keyscope.KeyRestrictions;
import dev.keydesk.security.Tokens;
import dev.keydesk.user.User;
import dev.keydesk.user.UserDao;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * The device authorization grant (RFC 8628), every change it makes: a client asks for a login
 * ({@link #request}), a signed-in person approves or denies it by its user code ({@link #decide}),
 * and the client's polls ({@link #poll}) learn the outcome and, once, receive a device key of
 * the approving account's, issued as fetch_api_key issues one. Every time is the injected clock's.
 */
public final class DeviceGrantActions {
    /** How long both codes work (RFC 8628's {@code expires_in}). */
    public static final Duration LIFETIME = Duration.ofMinutes(10);
    /** The least time between two polls a client starts with (RFC 8628's default). */
    public static final int INTERVAL_SECONDS = 5;
    /** What a poll that came too soon adds to the interval, as RFC 8628 §3.5 says. */
    static final int SLOW_DOWN_SECONDS = 5;
    /** The {@code purpose} of the device key's audit row. */
    static final String PURPOSE = "device_login";
    private static final int MAX_DEVICE_CODE = 100;
    private static final String VIA = "device login";
    /**
     * The invisible bidirectional controls (as people's names refuse them): in a client's name or
     * User-Agent they would make the approval page show text other than what was sent.
     */
    private static final Pattern BIDI_CONTROLS = Pattern.compile("[\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069]");

    /** What the client is told: the two codes (shown nowhere else), when they expire, how often to poll. */
    public record Started(String deviceCode, String userCode, Instant expiresAt, int intervalSeconds) {}

    /** A waiting request as the approval page shows it. */
    public record Request(long id, String client, String userAgent, String ip, Instant requestedAt, Instant expiresAt) {}

    /** A poll's answer: the key, or why not (yet). */
    public sealed interface Poll permits Issued, Refused {}

    public record Issued(User user, String key) implements Poll {}

    public record Refused(PollError error) implements Poll {}

    /** RFC 8628 §3.5's and RFC 6749 §5.2's error codes, as the token endpoint answers them. */
    public enum PollError {
        AUTHORIZATION_PENDING("authorization_pending", "Nobody has approved or denied this login yet."),
        SLOW_DOWN("slow_down", "Polled sooner than the interval allows; wait 5 seconds longer between polls from now on."),
        ACCESS_DENIED("access_denied", "The login was denied."),
        EXPIRED_TOKEN("expired_token", "The device code has expired; ask for a new one."),
        INVALID_GRANT("invalid_grant", "The device code is unknown or has already been used.");

        private final String code;
        private final String description;

        PollError(String code, String description) {
            this.code = code;
            this.description = description;
        }

        public String code() {
            return code;
        }

        public String description() {
            return description;
        }
    }

    private final Jdbi jdbi;
    private final ApiKeyActions keys;
    private final KeyRestrictionActions restrictions;
    private final Clock clock;

    public DeviceGrantActions(Jdbi jdbi, ApiKeyActions keys, KeyRestrictionActions restrictions, Clock clock) {
        this.jdbi = jdbi;
        this.keys = keys;
        this.restrictions = restrictions;
        this.clock = clock;
    }

    /**
     * Records a client's request for a login: {@code client} is its name (as {@link ClientName#of}
     * makes it), shown to the person asked to approve it along with the address and User-Agent.
     */
    public Started request(String requestedClient, String userAgent, String ip) {
        Instant now = clock.instant();
        Instant expiresAt = now.plus(LIFETIME);
        String visible = BIDI_CONTROLS.matcher(requestedClient).replaceAll("").strip();
        String client = visible.isEmpty() ? "Unspecified" : visible;
        String agent = BIDI_CONTROLS.matcher(ClientName.truncatedUserAgent(userAgent)).replaceAll("");
        return jdbi.inTransaction(h -> {
            while (true) {
                String deviceCode = Tokens.newToken();
                String userCode = UserCode.generate();
                // A user code equal to a stored one (one chance in billions) is drawn again.
                Optional<Long> id = h.createQuery("""
                                INSERT INTO device_authorizations (device_code_digest, user_code_digest, client, user_agent, ip,
                                                                   requested_at, expires_at, interval_seconds)
                                VALUES (:device, :user, :client, :agent, :ip, :now, :expiresAt, :interval)
                                ON CONFLICT DO NOTHING RETURNING id""")
                        .bind("device", Tokens.sha256(deviceCode)).bind("user", UserCode.digest(userCode))
                        .bind("client", client).bind("agent", agent).bind("ip", ip).bind("now", now)
                        .bind("expiresAt", expiresAt).bind("interval", INTERVAL_SECONDS)
                        .mapTo(Long.class).findOne();
                if (id.isEmpty()) continue;
                AuditLog.record(h, AuditEvent.DEVICE_LOGIN_REQUESTED, new Actor(null, ip, VIA), null,
                        Map.of("client", client, "request_id", id.get()));
                return new Started(deviceCode, userCode, expiresAt, INTERVAL_SECONDS);
            }
        });
    }

    /** The request waiting for this user code (canonical form), if it is still waiting and has not expired. */
    public Optional<Request> waiting(String userCode) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT id, client, user_agent, ip, requested_at, expires_at FROM device_authorizations
                        WHERE user_code_digest = :user AND status = 'pending' AND expires_at > :now""")
                .bind("user", UserCode.digest(userCode)).bind("now", clock.instant())
                .map(DeviceGrantActions::request).findOne());
    }

    /**
     * The signed-in person approves (or denies) the request waiting for this user code: an
     * approved one is the person's to collect by the client's next poll. Empty, with nothing
     * written, when no request waits for the code any more (decided, expired, or never there).
     */
    public Optional<Request> decide(Actor actor, long userId, String userCode, boolean approve) {
        return decide(actor, userId, userCode, approve, KeyRestrictions.Limits.NONE);
    }

    /**
     * The same, approving with limits for the device's key ({@link KeyRestrictions.Limits#NONE}
     * for none of its own): kept with the approval and applied when the key is issued. Limits that
     * would widen the account's are refused with {@link dev.keydesk.errors.InvalidInputException}
     * and nothing is decided.
     */
    public Optional<Request> decide(Actor actor, long userId, String userCode, boolean approve, KeyRestrictions.Limits limits) {
        Instant now = clock.instant();
        KeyRestrictions.Limits chosen = approve ? limits : KeyRestrictions.Limits.NONE;
        return jdbi.inTransaction(h -> {
            Optional<Request> decided = h.createQuery("""
                            UPDATE device_authorizations SET status = :status, user_id = :userId, decided_at = :now,
                                key_scope = CAST(:scope AS jsonb), key_address_ranges = :ranges
                            WHERE user_code_digest = :user AND status = 'pending' AND expires_at > :now
                            RETURNING id, client, user_agent, ip, requested_at, expires_at""")
                    .bind("status", approve ? "approved" : "denied").bind("userId", userId).bind("now", now)
                    .bind("scope", chosen.scope().toJson()).bindArray("ranges", String.class, chosen.ranges().entries())
                    .bind("user", UserCode.digest(userCode))
                    .map(DeviceGrantActions::request).findOne();
            if (decided.isEmpty()) return decided;
            // Checked against the account's limits as they are now; a refusal rolls the decision back.
            if (!chosen.isNone()) restrictions.checkForNewDevice(h, userId, chosen);
            Request r = decided.get();
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("client", r.client());
            details.put("client_ip", r.ip());
            details.put("request_id", r.id());
            if (!chosen.isNone()) details.put("key_limits", KeyRestrictionQueries.summary(chosen, KeyRestrictionQueries.serviceNames(h)));
            AuditLog.record(h, approve ? AuditEvent.DEVICE_LOGIN_APPROVED : AuditEvent.DEVICE_LOGIN_DENIED, actor, userId, details);
            return decided;
        });
    }

    /**
     * One poll of the token endpoint. The request's row is locked for the whole poll, so of any
     * number of polls at once, one issues the key and the others then see it used. A poll sooner
     * than the interval after the previous one is told to slow down, and the interval grows. The
     * key goes to the approving account as a device of its own named after the client, at the
     * address and User-Agent that polled (where the key went); an account deactivated since
     * approving gets none, and the request counts as denied.
     */
    public Poll poll(String deviceCode, String userAgent, String ip) {
        if (deviceCode == null || deviceCode.isEmpty() || deviceCode.length() > MAX_DEVICE_CODE) {
            return new Refused(PollError.INVALID_GRANT);
        }
        Instant now = clock.instant();
        return jdbi.inTransaction(h -> {
            Optional<Row> found = h.createQuery("""
                            SELECT id, client, status, user_id, expires_at, interval_seconds, last_polled_at,
                                   key_scope::text AS key_scope, key_address_ranges
                            FROM device_authorizations WHERE device_code_digest = :device FOR UPDATE""")
                    .bind("device", Tokens.sha256(deviceCode))
                    .map(DeviceGrantActions::row).findOne();
            if (found.isEmpty()) return new Refused(PollError.INVALID_GRANT);
            Row row = found.get();
            if (row.status().equals("issued")) return new Refused(PollError.INVALID_GRANT);
            if (!now.isBefore(row.expiresAt())) return new Refused(PollError.EXPIRED_TOKEN);
            if (row.lastPolledAt() != null && now.isBefore(row.lastPolledAt().plusSeconds(row.intervalSeconds()))) {
                h.createUpdate("""
                                UPDATE device_authorizations SET interval_seconds = interval_seconds + :more, last_polled_at = :now
                                WHERE id = :id""")
                        .bind("more", SLOW_DOWN_SECONDS).bind("now", now).bind("id", row.id()).execute();
                return new Refused(PollError.SLOW_DOWN);
            }
            h.createUpdate("UPDATE device_authorizations SET last_polled_at = :now WHERE id = :id")
                    .bind("now", now).bind("id", row.id()).execute();
            return switch (row.status()) {
                case "pending" -> new Refused(PollError.AUTHORIZATION_PENDING);
                case "denied" -> new Refused(PollError.ACCESS_DENIED);
                case "approved" -> issue(h, row, userAgent, ip);
                default -> throw new IllegalStateException("Unknown device authorization status " + row.status());
            };
        });
    }

    private Poll issue(Handle h, Row row, String userAgent, String ip) {
        Optional<User> user = h.attach(UserDao.class).findById(row.userId());
        Optional<String> key = user.flatMap(u -> keys.issueToDevice(h, u, null, row.client(), userAgent, ip, PURPOSE));
        h.createUpdate("UPDATE device_authorizations SET status = :status WHERE id = :id")
                .bind("status", key.isPresent() ? "issued" : "denied").bind("id", row.id()).execute();
        if (key.isEmpty()) return new Refused(PollError.ACCESS_DENIED);
        // In the transaction that issued the key: no request can see the key without its limits.
        restrictions.applyToNewDevice(h, Actor.api(user.get().id(), ip), user.get().id(), Tokens.sha256(key.get()), row.limits());
        return new Issued(user.get(), key.get());
    }

    private record Row(long id, String client, String status, Long userId, Instant expiresAt, int intervalSeconds,
                       Instant lastPolledAt, KeyRestrictions.Limits limits) {}

    private static Row row(ResultSet rs, StatementContext ctx) throws SQLException {
        long userId = rs.getLong("user_id");
        return new Row(rs.getLong("id"), rs.getString("client"), rs.getString("status"), rs.wasNull() ? null : userId,
                instant(rs, "expires_at"), rs.getInt("interval_seconds"), instant(rs, "last_polled_at"),
                KeyRestrictions.Limits.stored(rs.getString("key_scope"), (String[]) rs.getArray("key_address_ranges").getArray(), null));
    }

    private static Request request(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Request(rs.getLong("id"), rs.getString("client"), rs.getString("user_agent"), rs.getString("ip"),
                instant(rs, "requested_at"), instant(rs, "expires_at"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        java.time.OffsetDateTime t = rs.getObject(column, java.time.OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }
}
