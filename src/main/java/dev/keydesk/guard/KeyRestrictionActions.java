package dev.keydesk.guard;

import dev.keydesk.apikey.KeyCache;
import dev.keydesk.audit.Actor;
import dev.keydesk.audit.AuditEvent;
import dev.keydesk.audit.AuditLog;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.errors.NotFoundException;
import dev.keydesk.keyscope.KeyRestrictions;
import dev.keydesk.keyscope.KeyScope;
import dev.keydesk.keyscope.ScopeRule;
import dev.keydesk.user.User;
import dev.keydesk.user.UserDao;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Sets what a key may open: the scope, the address ranges and the metadata of an account's keys,
 * or a narrower scope and ranges for one device's key. A scope may name only services that admit
 * the account, so it narrows what the service allows and never widens it. Every process forgets
 * the account's cached keys at commit, so the next request is checked against the new limits.
 * Whether the acting person may change this key is the caller's check (a bot's owners or an
 * administrator, the account itself for its devices).
 */
public final class KeyRestrictionActions {
    private final Jdbi jdbi;
    private final KeyCache cache;

    public KeyRestrictionActions(Jdbi jdbi, KeyCache cache) {
        this.jdbi = jdbi;
        this.cache = cache;
    }

    /** The limits of every key of the account. */
    public void setForAccount(Actor actor, long userId, KeyRestrictions.Limits limits) {
        jdbi.useTransaction(h -> setForAccount(h, actor, userId, limits));
    }

    /** The same inside a bigger transaction (a bot created with its limits). */
    public void setForAccount(Handle h, Actor actor, long userId, KeyRestrictions.Limits limits) {
        User user = h.attach(UserDao.class).findById(userId).orElseThrow(() -> new NotFoundException("No such account"));
        checkServices(h, user, limits);
        KeyRestrictionsDao.saveAccount(h, userId, limits);
        record(h, actor, userId, null, limits);
    }

    /**
     * The same inside a bigger transaction, writing (and auditing) only when the limits differ
     * from the stored ones: a form that shows the limits with other fields sends them every time.
     */
    public void changeForAccount(Handle h, Actor actor, long userId, KeyRestrictions.Limits limits) {
        if (KeyRestrictionsDao.account(h, userId).equals(limits)) return;
        setForAccount(h, actor, userId, limits);
    }

    /**
     * A device's key: its limits apply on top of the account's, and an entry that goes beyond the
     * account's (a service, a rule or an address range the account's keys do not have) is refused
     * with what is too wide, so the form never suggests more than the key can do.
     */
    public void setForDevice(Actor actor, long userId, long deviceId, KeyRestrictions.Limits limits) {
        if (!limits.metadata().isEmpty()) throw new InvalidInputException("Metadata is set for the account, not for a device.");
        jdbi.useTransaction(h -> {
            User user = h.attach(UserDao.class).findById(userId).orElseThrow(() -> new NotFoundException("No such account"));
            if (!KeyRestrictionsDao.deviceBelongsTo(h, deviceId, userId)) {
                throw new NotFoundException("There is no such device: it may have been logged out already.");
            }
            checkServices(h, user, limits);
            checkNarrows(KeyRestrictionsDao.account(h, userId), limits, KeyRestrictionQueries.serviceNames(h));
            KeyRestrictionsDao.saveDevice(h, userId, deviceId, limits);
            record(h, actor, userId, deviceId, limits);
        });
    }

    /**
     * Checks limits chosen for a device's key before the key exists (a device login being
     * approved), as {@link #setForDevice} would: refused with {@link InvalidInputException} when
     * they carry metadata, name a service that does not admit the account, or widen its limits.
     */
    public void checkForNewDevice(Handle h, long userId, KeyRestrictions.Limits limits) {
        if (!limits.metadata().isEmpty()) throw new InvalidInputException("Metadata is set for the account, not for a device.");
        User user = h.attach(UserDao.class).findById(userId).orElseThrow(() -> new NotFoundException("No such account"));
        checkServices(h, user, limits);
        checkNarrows(KeyRestrictionsDao.account(h, userId), limits, KeyRestrictionQueries.serviceNames(h));
    }

    /**
     * Applies limits checked by {@link #checkForNewDevice} to the device whose key has this
     * digest, inside the transaction that issued it, so the key is never usable without them. Not
     * checked again: a device's limits only ever narrow the account's current ones, so an account
     * narrowed meanwhile stays narrowed.
     */
    public void applyToNewDevice(Handle h, Actor actor, long userId, byte[] keyDigest, KeyRestrictions.Limits limits) {
        if (limits.isNone()) return;
        long deviceId = KeyRestrictionsDao.deviceOfKey(h, keyDigest)
                .orElseThrow(() -> new IllegalStateException("The key just issued has no device"));
        KeyRestrictionsDao.saveDevice(h, userId, deviceId, limits);
        record(h, actor, userId, deviceId, limits);
    }

    private static void checkServices(Handle h, User user, KeyRestrictions.Limits limits) {
        if (limits.scope().isUnrestricted()) return;
        Set<Long> open = h.attach(GuardDao.class).openedFor(user.id(), user.isAdmin() && !user.isBot()).stream()
                .map(GuardedService::id).collect(Collectors.toSet());
        for (Long id : limits.scope().services().keySet()) {
            if (!open.contains(id)) {
                String name = KeyRestrictionQueries.serviceNames(h).get(id);
                throw new InvalidInputException("scope", (name == null ? "Service " + id : name) + " does not admit "
                        + user.email() + ": a scope can only narrow what a service allows.");
            }
        }
    }

    /**
     * Refuses a device's limits that name anything the account's do not allow. A device without a
     * scope or address ranges of its own simply has the account's.
     */
    static void checkNarrows(KeyRestrictions.Limits account, KeyRestrictions.Limits device, Map<Long, String> names) {
        KeyScope mine = account.scope();
        if (!device.scope().isUnrestricted() && !mine.isUnrestricted()) {
            device.scope().services().forEach((id, rules) -> {
                String name = names.getOrDefault(id, "service " + id);
                List<ScopeRule> allowed = mine.services().get(id);
                if (allowed == null) {
                    throw new InvalidInputException(KeyLimitsInput.SCOPE, "Too wide: " + name
                            + " is not among the services the account's limits open, so a device's key cannot open it.");
                }
                if (allowed.isEmpty()) return;
                String accountRules = allowed.stream().map(ScopeRule::toString).collect(Collectors.joining(", "));
                if (rules.isEmpty()) {
                    throw new InvalidInputException(KeyLimitsInput.SCOPE, "Too wide: any request to " + name
                            + " goes beyond the account's rules for it (" + accountRules + "). Copy some of them instead.");
                }
                for (ScopeRule rule : rules) {
                    if (allowed.stream().noneMatch(a -> a.covers(rule))) {
                        throw new InvalidInputException(KeyLimitsInput.SCOPE, "Too wide: “" + rule + "” on " + name
                                + " goes beyond the account's rules for it (" + accountRules + ").");
                    }
                }
            });
        }
        List<String> outside = account.ranges().notWithin(device.ranges());
        if (!outside.isEmpty()) {
            throw new InvalidInputException(KeyLimitsInput.RANGES, "Too wide: " + String.join(", ", outside)
                    + (outside.size() == 1 ? " is" : " are") + " outside the account's address ranges (" + account.ranges() + ").");
        }
    }

    private void record(Handle h, Actor actor, long userId, Long deviceId, KeyRestrictions.Limits limits) {
        Map<String, Object> details = new LinkedHashMap<>();
        if (deviceId != null) details.put("device_id", deviceId);
        details.put("summary", KeyRestrictionQueries.summary(limits, KeyRestrictionQueries.serviceNames(h)));
        AuditLog.record(h, AuditEvent.KEY_RESTRICTIONS_CHANGED, actor, userId, details);
        cache.announceChange(h, userId);
    }
}
