package dev.keydesk.guard;

import dev.keydesk.audit.Actor;
import dev.keydesk.audit.AuditEvent;
import dev.keydesk.audit.AuditLog;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.errors.NotFoundException;
import dev.keydesk.security.Tokens;
import dev.keydesk.user.User;
import dev.keydesk.user.UserDao;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Registering and changing guarded services, each in one transaction with its audit row and an
 * announcement that makes every Keydesk process reload its service registry at commit.
 */
public final class GuardActions {
    /** Service tokens carry a prefix, so a secret scanner (and a person) can tell what they are. */
    static final String TOKEN_PREFIX = "kdsvc_";

    /** What the registration form and API ask for; a null rate limit means none. */
    public record Spec(String name, String description, Access access, Integer rateLimitPerMinute) {}

    /** A new service and its token, which exists in plaintext only here. */
    public record Registered(GuardedService service, String token) {}

    private final Jdbi jdbi;
    private final ServiceRegistry registry;

    public GuardActions(Jdbi jdbi, ServiceRegistry registry) {
        this.jdbi = jdbi;
        this.registry = registry;
    }

    public Registered register(Actor actor, Spec raw) {
        Spec spec = ServiceRules.check(raw);
        String token = newToken();
        return jdbi.inTransaction(h -> {
            GuardDao dao = h.attach(GuardDao.class);
            lockNames(h);
            if (dao.nameTaken(spec.name(), -1)) throw new InvalidInputException("A service with this name already exists.");
            long id = dao.insert(spec.name(), spec.description(), spec.access().dbName(), spec.rateLimitPerMinute(),
                    Tokens.sha256(token));
            AuditLog.record(h, AuditEvent.SERVICE_REGISTERED, actor, null, details(id, spec));
            registry.announceChange(h);
            return new Registered(dao.find(id).orElseThrow(), token);
        });
    }

    public GuardedService modify(Actor actor, long serviceId, Spec raw) {
        Spec spec = ServiceRules.check(raw);
        return jdbi.inTransaction(h -> {
            GuardDao dao = h.attach(GuardDao.class);
            lockNames(h);
            GuardedService before = dao.lock(serviceId).orElseThrow(() -> new NotFoundException("There is no such service."));
            if (dao.nameTaken(spec.name(), serviceId)) throw new InvalidInputException("A service with this name already exists.");
            List<String> changed = new ArrayList<>();
            if (!before.name().equals(spec.name())) changed.add("name");
            if (!before.description().equals(spec.description())) changed.add("description");
            if (!before.access().equals(spec.access().dbName())) changed.add("access");
            if (!Objects.equals(before.rateLimitPerMinute(), spec.rateLimitPerMinute())) changed.add("rate_limit_per_minute");
            if (changed.isEmpty()) return before;
            dao.update(serviceId, spec.name(), spec.description(), spec.access().dbName(), spec.rateLimitPerMinute());
            Map<String, Object> details = details(serviceId, spec);
            details.put("changed", changed);
            AuditLog.record(h, AuditEvent.SERVICE_MODIFIED, actor, null, details);
            registry.announceChange(h);
            return dao.find(serviceId).orElseThrow();
        });
    }

    /** A new token for the service; the old one stops working at once, in every process. */
    public String regenerateToken(Actor actor, long serviceId) {
        String token = newToken();
        jdbi.useTransaction(h -> {
            GuardDao dao = h.attach(GuardDao.class);
            GuardedService service = dao.lock(serviceId).orElseThrow(() -> new NotFoundException("There is no such service."));
            dao.updateToken(serviceId, Tokens.sha256(token));
            AuditLog.record(h, AuditEvent.SERVICE_TOKEN_REGENERATED, actor, null,
                    Map.of("service_id", serviceId, "name", service.name()));
            registry.announceChange(h);
        });
        return token;
    }

    /** Lets an active person or bot call a service that admits chosen accounts. */
    public void addMember(Actor actor, long serviceId, long userId) {
        jdbi.useTransaction(h -> {
            GuardDao dao = h.attach(GuardDao.class);
            GuardedService service = dao.lock(serviceId).orElseThrow(() -> new NotFoundException("There is no such service."));
            User user = h.attach(UserDao.class).findById(userId).filter(User::isActive)
                    .orElseThrow(() -> new InvalidInputException("No such user"));
            if (dao.addMember(serviceId, userId) == 0) return;
            AuditLog.record(h, AuditEvent.SERVICE_MEMBER_ADDED, actor, user.id(),
                    Map.of("service_id", serviceId, "name", service.name()));
            registry.announceChange(h);
        });
    }

    public void removeMember(Actor actor, long serviceId, long userId) {
        jdbi.useTransaction(h -> {
            GuardDao dao = h.attach(GuardDao.class);
            GuardedService service = dao.lock(serviceId).orElseThrow(() -> new NotFoundException("There is no such service."));
            if (dao.removeMember(serviceId, userId) == 0) return;
            AuditLog.record(h, AuditEvent.SERVICE_MEMBER_REMOVED, actor, userId,
                    Map.of("service_id", serviceId, "name", service.name()));
            registry.announceChange(h);
        });
    }

    /**
     * The change a form makes to an account's memberships among the services that admit chosen
     * accounts: {@code before} is what the form showed ticked (null: whatever the account has
     * now), {@code after} what was posted. Only the difference is applied, so a membership added
     * elsewhere meanwhile stays.
     */
    public record ChosenServicesChange(Set<Long> before, Set<Long> after) {}

    /**
     * Applies {@code change} to the account's memberships, as part of the caller's transaction
     * (services that admit everyone or administrators are left alone). One audit row per change.
     */
    public void changeChosenServices(Handle h, Actor actor, long userId, ChosenServicesChange change) {
        if (change.after().equals(change.before())) return;
        GuardDao dao = h.attach(GuardDao.class);
        lockNames(h); // two of these for one account take turns, so each sees what the other did
        Set<Long> current = new HashSet<>();
        dao.membershipsOf(new long[] {userId}).forEach(m -> current.add(m.serviceId()));
        Set<Long> before = change.before() == null ? current : change.before();
        boolean changed = false;
        for (GuardedService service : dao.listAll()) {
            if (service.accessRule() != Access.CHOSEN) continue;
            boolean add = change.after().contains(service.id()) && !before.contains(service.id());
            boolean remove = before.contains(service.id()) && !change.after().contains(service.id());
            if (add && !current.contains(service.id()) && dao.addMember(service.id(), userId) > 0) {
                AuditLog.record(h, AuditEvent.SERVICE_MEMBER_ADDED, actor, userId,
                        Map.of("service_id", service.id(), "name", service.name()));
                changed = true;
            } else if (remove && current.contains(service.id()) && dao.removeMember(service.id(), userId) > 0) {
                AuditLog.record(h, AuditEvent.SERVICE_MEMBER_REMOVED, actor, userId,
                        Map.of("service_id", service.id(), "name", service.name()));
                changed = true;
            }
        }
        if (changed) registry.announceChange(h);
    }

    public void delete(Actor actor, long serviceId) {
        jdbi.useTransaction(h -> {
            GuardDao dao = h.attach(GuardDao.class);
            GuardedService service = dao.lock(serviceId).orElseThrow(() -> new NotFoundException("There is no such service."));
            dao.delete(serviceId);
            AuditLog.record(h, AuditEvent.SERVICE_DELETED, actor, null, Map.of("service_id", serviceId, "name", service.name()));
            registry.announceChange(h);
        });
    }

    private static String newToken() {
        return TOKEN_PREFIX + Tokens.newToken();
    }

    private static Map<String, Object> details(long id, Spec spec) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("service_id", id);
        details.put("name", spec.name());
        details.put("access", spec.access().dbName());
        details.put("rate_limit_per_minute", spec.rateLimitPerMinute());
        return details;
    }

    /** Names are unique; this lock makes check-then-write safe across processes. */
    private static void lockNames(Handle h) {
        h.createQuery("SELECT pg_advisory_xact_lock(hashtext('keydesk:service-names'))").mapTo(String.class).one();
    }
}
