package dev.keydesk.guard;

import dev.keydesk.keyscope.KeyRestrictions;
import dev.keydesk.keyscope.KeyScope;
import dev.keydesk.keyscope.ScopeRule;
import dev.keydesk.user.User;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** What limits keys, as pages and the API show it, and the services a scope may choose from. */
public final class KeyRestrictionQueries {
    private final Jdbi jdbi;

    public KeyRestrictionQueries(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public KeyRestrictions.Limits ofAccount(long userId) {
        return jdbi.withHandle(h -> KeyRestrictionsDao.account(h, userId));
    }

    public KeyRestrictions.Limits ofAccount(Handle h, long userId) {
        return KeyRestrictionsDao.account(h, userId);
    }

    public Map<Long, KeyRestrictions.Limits> ofAccounts(Collection<Long> userIds) {
        return jdbi.withHandle(h -> ofAccounts(h, userIds));
    }

    /** The accounts among these with any limits; the others have none. */
    public Map<Long, KeyRestrictions.Limits> ofAccounts(Handle h, Collection<Long> userIds) {
        if (userIds.isEmpty()) return Map.of();
        return KeyRestrictionsDao.accounts(h, userIds.stream().mapToLong(Long::longValue).toArray());
    }

    public Map<Long, KeyRestrictions.Limits> ofDevices(long userId) {
        return jdbi.withHandle(h -> KeyRestrictionsDao.devices(h, userId));
    }

    /** The services that admit the account: the ones its scope may name. */
    public List<GuardedService> servicesFor(User user) {
        return jdbi.withHandle(h -> servicesFor(h, user));
    }

    /** {@code adminPerson}: a person who is an administrator (services for administrators admit them). */
    public List<GuardedService> servicesFor(long userId, boolean adminPerson) {
        return jdbi.withHandle(h -> h.attach(GuardDao.class).openedFor(userId, adminPerson));
    }

    public List<GuardedService> servicesFor(Handle h, User user) {
        return h.attach(GuardDao.class).openedFor(user.id(), user.isAdmin() && !user.isBot());
    }

    public Map<Long, String> serviceNames() {
        return jdbi.withHandle(KeyRestrictionQueries::serviceNames);
    }

    public static Map<Long, String> serviceNames(Handle h) {
        Map<Long, String> names = new LinkedHashMap<>();
        for (GuardedService s : h.attach(GuardDao.class).listAll()) names.put(s.id(), s.name());
        return names;
    }

    /** One line that says what limits the key: "unrestricted", or "Grafana: read-only; from 10.0.0.0/8; 2 metadata pairs". */
    public static String summary(KeyRestrictions.Limits limits, Map<Long, String> serviceNames) {
        if (limits.isNone()) return "unrestricted";
        List<String> parts = new ArrayList<>();
        KeyScope scope = limits.scope();
        if (!scope.isUnrestricted()) {
            if (scope.services().isEmpty()) parts.add("no services");
            scope.services().forEach((id, rules) -> parts.add(serviceNames.getOrDefault(id, "service " + id) + ": "
                    + (rules.isEmpty() ? "all requests" : String.join(", ", rules.stream().map(ScopeRule::toString).toList()))));
        }
        if (!limits.ranges().isAnywhere()) parts.add("from " + limits.ranges());
        int pairs = limits.metadata().pairs().size();
        if (pairs > 0) parts.add(pairs + (pairs == 1 ? " metadata pair" : " metadata pairs"));
        return String.join("; ", parts);
    }
}
