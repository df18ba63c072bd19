package dev.keydesk.guard;

import dev.keydesk.db.ChangeListener;
import dev.keydesk.security.Tokens;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

/**
 * Every guarded service, its token digest and members, held in memory: the verification path
 * reads it on every request, so it must cost no query. The whole snapshot is reloaded when any
 * process announces a change to services (they are few and change rarely).
 */
public final class ServiceRegistry implements ChangeListener.Subscriber {
    /** The NOTIFY channel of service changes. */
    public static final String CHANNEL = "keydesk_service_changes";

    /** A service as the verification path needs it. */
    public record Entry(GuardedService service, Set<Long> members) {}

    private record Snapshot(Map<String, Entry> byTokenDigest) {}

    private final Jdbi jdbi;
    private volatile Snapshot snapshot;
    /** Bumped by every resync, so a load that raced with a change is used once but not kept. */
    private final AtomicLong generation = new AtomicLong();

    public ServiceRegistry(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** The service whose token this is; the token is compared by its digest. */
    public Optional<Entry> byToken(String token) {
        if (token == null || token.isEmpty() || token.length() > 200) return Optional.empty();
        return Optional.ofNullable(current().byTokenDigest().get(HexFormat.of().formatHex(Tokens.sha256(token))));
    }

    /** Called inside the transaction of a change: every process reloads once it commits. */
    void announceChange(Handle h) {
        h.createQuery("SELECT pg_notify('" + CHANNEL + "', 'changed')").mapTo(String.class).one();
        h.afterCommit(this::resync);
    }

    @Override
    public void onNotification(String payload) {
        resync();
    }

    /** Drops the snapshot; the next verification loads a fresh one. */
    @Override
    public void resync() {
        generation.incrementAndGet();
        snapshot = null;
    }

    private Snapshot current() {
        Snapshot s = snapshot;
        if (s == null) {
            long before = generation.get();
            s = load();
            snapshot = s;
            // Stored first, checked after: a change announced meanwhile cannot leave this one behind.
            if (generation.get() != before) snapshot = null;
        }
        return s;
    }

    private Snapshot load() {
        // One snapshot of services, tokens and members, even while they change.
        return jdbi.inTransaction(TransactionIsolationLevel.REPEATABLE_READ, h -> {
            GuardDao dao = h.attach(GuardDao.class);
            Map<Long, Set<Long>> members = new HashMap<>();
            for (GuardDao.Membership m : dao.memberships()) {
                members.computeIfAbsent(m.serviceId(), id -> new HashSet<>()).add(m.userId());
            }
            Map<Long, Entry> byId = new HashMap<>();
            for (GuardedService service : dao.listAll()) {
                byId.put(service.id(), new Entry(service, Set.copyOf(members.getOrDefault(service.id(), Set.of()))));
            }
            Map<String, Entry> byToken = new HashMap<>();
            for (GuardDao.ServiceToken t : dao.tokens()) {
                Entry entry = byId.get(t.id());
                if (entry != null) byToken.put(HexFormat.of().formatHex(t.tokenDigest()), entry);
            }
            return new Snapshot(Map.copyOf(byToken));
        });
    }
}
