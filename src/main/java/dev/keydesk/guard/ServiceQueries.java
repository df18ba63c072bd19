package dev.keydesk.guard;

import dev.keydesk.db.LikePattern;
import dev.keydesk.user.User;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Reading guarded services for the pages and the admin API. */
public final class ServiceQueries {
    private static final int PICKER_MATCHES = 20;

    private final Jdbi jdbi;

    public ServiceQueries(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public List<GuardedService> all() {
        return jdbi.withExtension(GuardDao.class, GuardDao::listAll);
    }

    public Optional<GuardedService> find(long id) {
        return jdbi.withExtension(GuardDao.class, dao -> dao.find(id));
    }

    public List<User> members(long serviceId) {
        return jdbi.withExtension(GuardDao.class, dao -> dao.members(serviceId));
    }

    /** The chosen members of every service, by service id. */
    public java.util.Map<Long, List<Long>> memberIds() {
        java.util.Map<Long, List<Long>> ids = new java.util.HashMap<>();
        jdbi.withExtension(GuardDao.class, GuardDao::memberships)
                .forEach(m -> ids.computeIfAbsent(m.serviceId(), k -> new java.util.ArrayList<>()).add(m.userId()));
        return ids;
    }

    /** Active people and bots matching a search, for the member picker; nothing for an empty search. */
    public List<User> searchAccounts(String query) {
        if (query == null || query.isBlank()) return List.of();
        String pattern = LikePattern.contains(query.strip());
        return jdbi.withExtension(GuardDao.class, dao -> dao.searchAccounts(pattern, PICKER_MATCHES));
    }

    /** The services an account's keys open. */
    public List<GuardedService> openedFor(long userId, boolean isAdmin) {
        return jdbi.withExtension(GuardDao.class, dao -> dao.openedFor(userId, isAdmin));
    }

    /** The services that admit only chosen accounts, for the Keys console's checkboxes. */
    public List<GuardedService> chosenAccessServices() {
        return all().stream().filter(s -> s.accessRule() == Access.CHOSEN).toList();
    }

    /** What a list of bot keys opens, read together: services open to everyone, and each bot's chosen ones. */
    public BotKeyServices forBots(List<Long> botIds) {
        return jdbi.withExtension(GuardDao.class, dao -> new BotKeyServices(dao.listAll(),
                botIds.isEmpty() ? List.of() : dao.membershipsOf(botIds.stream().mapToLong(Long::longValue).toArray())));
    }

    /** Services opened by bot keys (bots are never administrators, so admin-only services are not among them). */
    public static final class BotKeyServices {
        private final List<GuardedService> everyone;
        /** In name order, as read. */
        private final List<GuardedService> chosenAccess;
        /** Every service but the administrators' own, which never admit a bot; in name order. */
        private final List<GuardedService> admittingBots;
        private final java.util.Map<Long, GuardedService> byId = new java.util.HashMap<>();
        private final java.util.Map<Long, List<Long>> chosenByBot = new java.util.HashMap<>();

        BotKeyServices(List<GuardedService> services, List<GuardDao.Membership> memberships) {
            everyone = services.stream().filter(s -> s.accessRule() == Access.EVERYONE).toList();
            chosenAccess = services.stream().filter(s -> s.accessRule() == Access.CHOSEN).toList();
            admittingBots = services.stream().filter(s -> s.accessRule() != Access.ADMINS).toList();
            services.forEach(s -> byId.put(s.id(), s));
            for (GuardDao.Membership m : memberships) {
                GuardedService service = byId.get(m.serviceId());
                if (service != null && service.accessRule() == Access.CHOSEN) {
                    chosenByBot.computeIfAbsent(m.userId(), id -> new java.util.ArrayList<>()).add(m.serviceId());
                }
            }
        }

        /** The services that admit only the accounts chosen for them, as read with the keys. */
        public List<GuardedService> chosenAccess() {
            return chosenAccess;
        }

        /** The services a bot key's scope may name, as read with the keys. */
        public List<GuardedService> admittingBots() {
            return admittingBots;
        }

        /** The ids of the chosen-access services that admit this bot. */
        public List<Long> chosenIds(long botId) {
            return chosenByBot.getOrDefault(botId, List.of());
        }

        /** Names of every service the bot's key opens, in name order. */
        public List<String> names(long botId) {
            java.util.List<String> names = new java.util.ArrayList<>(everyone.stream().map(GuardedService::name).toList());
            chosenIds(botId).forEach(id -> names.add(byId.get(id).name()));
            names.sort(String.CASE_INSENSITIVE_ORDER);
            return names;
        }
    }
}
