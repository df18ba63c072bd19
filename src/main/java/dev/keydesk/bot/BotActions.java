package dev.keydesk.bot;

import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.apikey.KeyCache;
import dev.keydesk.security.KeyCipher;
import dev.keydesk.apikey.Zuliprc;
import dev.keydesk.audit.Actor;
import dev.keydesk.audit.AuditEvent;
import dev.keydesk.audit.AuditLog;
import dev.keydesk.avatar.AvatarDao;
import dev.keydesk.avatar.AvatarImages;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.security.Tokens;
import dev.keydesk.user.User;
import dev.keydesk.user.UserDao;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Every change to bots, each in one transaction with its audit rows. */
public final class BotActions {
    /**
     * What "Add a new bot" asks for. {@code owners} empty means the creator alone; a null
     * {@code shortName} means one is made from the name (the Keys page asks for none).
     */
    public record NewBot(String fullName, String shortName, BotType type, String payloadUrl, BotInterface botInterface,
                         byte[] avatar, List<Long> owners) {}

    /**
     * Edits; a null field stays as it is. A payload URL turns the bot into an outgoing webhook
     * bot (with a new token) if it was not one; an empty payload URL turns it back into a generic bot.
     */
    public record Changes(String fullName, String payloadUrl, BotInterface botInterface, byte[] avatar, List<Long> owners) {}

    public record Created(Bot bot, String apiKey) {}

    /** A key expiry to set: {@code at} null means none. Passed as null where the expiry is left as it is. */
    public record KeyExpiry(Instant at) {}

    /** More work of a bigger action on the bot, in the same transaction (an action of another feature, say). */
    @FunctionalInterface
    public interface AlsoInTransaction {
        AlsoInTransaction NOTHING = (h, botId) -> { };

        void apply(Handle h, long botId);
    }

    private final Jdbi jdbi;
    private final ApiKeyActions apiKeys;
    private final KeyCipher cipher;
    private final KeyCache keyCache;
    private final BotKeyEvents keyEvents;
    private final WebhookUrlCheck webhookUrls;
    private final String botDomain;

    public BotActions(Jdbi jdbi, ApiKeyActions apiKeys, KeyCipher cipher, KeyCache keyCache, BotKeyEvents keyEvents,
                      WebhookUrlCheck webhookUrls, String botDomain) {
        this.jdbi = jdbi;
        this.webhookUrls = webhookUrls;
        this.apiKeys = apiKeys;
        this.cipher = cipher;
        this.keyCache = keyCache;
        this.keyEvents = keyEvents;
        this.botDomain = botDomain;
    }

    public Created createBot(Actor actor, User creator, NewBot spec) {
        return createBot(actor, creator, spec, null, AlsoInTransaction.NOTHING);
    }

    /**
     * With {@code expiry}, the bot's first key expires then (else as the organization's policy
     * says); {@code also} runs in the same transaction once the bot exists.
     */
    public Created createBot(Actor actor, User creator, NewBot spec, KeyExpiry expiry, AlsoInTransaction also) {
        if (creator.isBot()) throw new InvalidInputException("Bots cannot create bots.");
        if (creator.isGuest()) throw new InvalidInputException("Not allowed for guest users");
        String fullName = BotRules.fullName(spec.fullName());
        String givenShortName = spec.shortName() == null ? null : BotRules.shortName(spec.shortName());
        String payloadUrl = spec.type() == BotType.OUTGOING_WEBHOOK ? BotRules.payloadUrl(spec.payloadUrl()) : null;
        if (payloadUrl != null) requireCallable(payloadUrl);
        byte[] avatar = spec.avatar() == null ? null : AvatarImages.fromUpload(spec.avatar());
        return jdbi.inTransaction(h -> {
            BotDao bots = h.attach(BotDao.class);
            lockNames(h);
            requireFreeName(h, fullName, -1);
            String email;
            if (givenShortName != null) {
                email = givenShortName + "-bot@" + botDomain;
                if (bots.emailTaken(email)) throw new InvalidInputException("Username already in use");
            } else {
                email = freeEmailFor(bots, BotRules.shortNameFrom(fullName));
            }
            List<Long> owners = validOwners(h, spec.owners().isEmpty() ? List.of(creator.id()) : spec.owners());
            long id = bots.insert(email, fullName, spec.type().code());
            for (long owner : owners) bots.addOwner(id, owner);
            if (avatar != null) h.attach(AvatarDao.class).save(id, avatar);
            if (payloadUrl != null) {
                String token = Tokens.newToken();
                bots.insertService(id, payloadUrl, spec.botInterface().code(),
                        cipher.encrypt(KeyCipher.Purpose.BOT_TOKEN, id, token));
            }
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("email", email);
            details.put("bot_type", spec.type().code());
            details.put("owners", owners);
            AuditLog.record(h, AuditEvent.BOT_CREATED, actor, id, details);
            String key = apiKeys.replaceKey(h, actor, id);
            if (expiry != null && expiry.at() != null) apiKeys.setExpiry(h, actor, id, expiry.at());
            also.apply(h, id);
            return new Created(bots.find(id).orElseThrow(), key);
        });
    }

    public Bot updateBot(Actor actor, long botId, Changes changes) {
        return updateBot(actor, botId, changes, null, AlsoInTransaction.NOTHING);
    }

    /** With {@code expiry}, the key's expiry changes too; {@code also} runs last; all in one transaction. */
    public Bot updateBot(Actor actor, long botId, Changes changes, KeyExpiry expiry, AlsoInTransaction also) {
        String fullName = changes.fullName() == null ? null : BotRules.fullName(changes.fullName());
        boolean removeWebhook = changes.payloadUrl() != null && changes.payloadUrl().isBlank();
        String payloadUrl = changes.payloadUrl() == null || removeWebhook ? null : BotRules.payloadUrl(changes.payloadUrl());
        if (payloadUrl != null && !payloadUrl.equals(currentPayloadUrl(botId))) requireCallable(payloadUrl);
        byte[] avatar = changes.avatar() == null ? null : AvatarImages.fromUpload(changes.avatar());
        return jdbi.inTransaction(h -> {
            BotDao bots = h.attach(BotDao.class);
            if (fullName != null) lockNames(h); // advisory lock before row locks, everywhere
            Bot bot = bots.lock(botId).orElseThrow(() -> new BotAccess.Denied("No such bot"));
            List<String> changed = new ArrayList<>();
            if (fullName != null && !fullName.equals(bot.fullName())) {
                if (bot.isActive()) requireFreeName(h, fullName, botId);
                bots.updateName(botId, fullName);
                changed.add("full_name");
            }
            Optional<BotService> service = bots.servicesOf(List.of(botId)).stream().findFirst();
            if (service.isPresent() && removeWebhook) {
                bots.deleteService(botId);
                bots.updateType(botId, BotType.GENERIC.code());
                changed.add("service");
            } else if (service.isPresent() && (payloadUrl != null || changes.botInterface() != null)) {
                bots.updateService(botId, payloadUrl == null ? service.get().payloadUrl() : payloadUrl,
                        changes.botInterface() == null ? service.get().interfaceType() : changes.botInterface().code());
                changed.add("service");
            } else if (service.isEmpty() && payloadUrl != null) {
                BotInterface iface = changes.botInterface() == null ? BotInterface.ZULIP : changes.botInterface();
                bots.insertService(botId, payloadUrl, iface.code(),
                        cipher.encrypt(KeyCipher.Purpose.BOT_TOKEN, botId, Tokens.newToken()));
                bots.updateType(botId, BotType.OUTGOING_WEBHOOK.code());
                changed.add("service");
            }
            if (avatar != null) {
                h.attach(AvatarDao.class).save(botId, avatar);
                h.attach(AvatarDao.class).bumpVersion(botId);
                changed.add("avatar");
            }
            if (!changed.isEmpty()) {
                AuditLog.record(h, AuditEvent.BOT_MODIFIED, actor, botId, Map.of("changed", changed));
            }
            boolean ownersChanged = changes.owners() != null && replaceOwners(h, actor, botId, changes.owners());
            if (expiry != null) apiKeys.setExpiry(h, actor, botId, expiry.at());
            also.apply(h, botId);
            // The API path caches the bot's account (name, type, avatar, first owner) with its key.
            if (!changed.isEmpty() || ownersChanged) keyCache.announceChange(h, botId);
            return bots.find(botId).orElseThrow();
        });
    }

    /** Returns whether the owners changed. */
    private boolean replaceOwners(Handle h, Actor actor, long botId, List<Long> requested) {
        BotDao bots = h.attach(BotDao.class);
        List<Long> wanted = validOwners(h, requested);
        Set<Long> current = new LinkedHashSet<>();
        bots.ownersOf(List.of(botId)).forEach(o -> current.add(o.userId()));
        if (current.equals(new LinkedHashSet<>(wanted))) return false;
        for (long owner : current) if (!wanted.contains(owner)) bots.removeOwner(botId, owner);
        for (long owner : wanted) bots.addOwner(botId, owner);
        AuditLog.record(h, AuditEvent.BOT_OWNERS_CHANGED, actor, botId,
                Map.of("before", List.copyOf(current), "after", wanted));
        return true;
    }

    /** The bot stops authenticating at once (401 USER_DEACTIVATED); its key is kept for reactivation. */
    public void deactivate(Actor actor, long botId) {
        jdbi.useTransaction(h -> deactivate(h, actor, botId));
    }

    /** Inside the caller's transaction. */
    public void deactivate(Handle h, Actor actor, long botId) {
        if (deactivate(h, actor, List.of(botId)).isEmpty() && h.attach(BotDao.class).find(botId).isEmpty()) {
            throw new BotAccess.Denied("No such bot");
        }
    }

    /**
     * Inside the caller's transaction: blocks every bot of {@code botIds} that is active, each with
     * its own audit row and webhook call, in a fixed number of statements however many there are
     * (deactivating the sole owner of a thousand bots blocks them all at once). Bots already
     * blocked, gone, or not bots at all are left alone and out of the answer.
     */
    public List<Changed> deactivate(Handle h, Actor actor, Collection<Long> botIds) {
        long[] ids = botIds.stream().mapToLong(Long::longValue).distinct().sorted().toArray();
        List<Changed> blocked = h.attach(BotDao.class).blockActive(ids);
        List<Long> blockedIds = blocked.stream().map(Changed::id).toList();
        for (long id : blockedIds) keyCache.announceChange(h, id);
        AuditLog.recordEach(h, AuditEvent.BOT_DEACTIVATED, actor, blockedIds);
        keyEvents.keysChanged(h, blockedIds, KeyEvent.BLOCKED);
        return blocked;
    }

    /** Restores the bot with the same key it had. */
    public void reactivate(Actor actor, long botId) {
        jdbi.useTransaction(h -> {
            lockNames(h); // advisory lock before row locks, everywhere
            reactivateLocked(h, actor, h.attach(BotDao.class).lock(botId)
                    .orElseThrow(() -> new BotAccess.Denied("No such bot")));
        });
    }

    /** Inside a transaction that holds the name lock and the bot's row lock; false when it was active. */
    private boolean reactivateLocked(Handle h, Actor actor, Bot bot) {
        if (bot.isActive()) return false;
        requireFreeName(h, bot.fullName(), bot.id());
        h.attach(UserDao.class).updateActive(bot.id(), true);
        keyCache.announceChange(h, bot.id());
        AuditLog.record(h, AuditEvent.BOT_REACTIVATED, actor, bot.id());
        keyEvents.keyChanged(h, bot.id(), KeyEvent.UNBLOCKED);
        return true;
    }

    /**
     * Removes the bot for good: its account, keys, owners and avatar. The audit log keeps the
     * record (with the bot's address), and the key is refused at once as unknown.
     */
    public void delete(Actor actor, long botId) {
        jdbi.useTransaction(h -> deleteLocked(h, actor, h.attach(BotDao.class).lock(botId)
                .orElseThrow(() -> new BotAccess.Denied("No such bot"))));
    }

    private void deleteLocked(Handle h, Actor actor, Bot bot) {
        AuditLog.record(h, AuditEvent.BOT_DELETED, actor, bot.id(),
                Map.of("email", bot.email(), "full_name", bot.fullName()));
        keyEvents.keyChanged(h, bot.id(), KeyEvent.DELETED); // queued before the service row goes
        keyCache.announceChange(h, bot.id());
        h.attach(BotDao.class).delete(bot.id());
    }

    /** A bot that a change to several bots changed, with its name at the time. */
    public record Changed(long id, String fullName) {}

    /** What a change to several bots does to one of them; false when there was nothing to do. */
    private interface EachBot {
        boolean apply(Handle h, Bot bot);
    }

    /**
     * Blocks (deactivates) every bot of {@code botIds} in one transaction, each with its own audit
     * row. Bots already blocked, gone, or not bots at all are left alone and out of the answer.
     */
    public List<Changed> deactivateAll(Actor actor, Collection<Long> botIds) {
        return jdbi.inTransaction(h -> deactivate(h, actor, botIds));
    }

    /** Unblocks (reactivates) every bot of {@code botIds}; one whose name is taken refuses them all. */
    public List<Changed> reactivateAll(Actor actor, Collection<Long> botIds) {
        return forEach(botIds, true, (h, bot) -> reactivateLocked(h, actor, bot));
    }

    /** Deletes every bot of {@code botIds} for good, each with its own audit row. */
    public List<Changed> deleteAll(Actor actor, Collection<Long> botIds) {
        return forEach(botIds, false, (h, bot) -> {
            deleteLocked(h, actor, bot);
            return true;
        });
    }

    /**
     * Locks the bots in id order, so two changes to overlapping sets take turns instead of
     * waiting on each other in a circle, and applies {@code change} to each under its lock: a
     * bot changed by a concurrent request is seen as it is now, so nothing happens twice.
     */
    private List<Changed> forEach(Collection<Long> botIds, boolean namesLocked, EachBot change) {
        List<Long> ids = new TreeSet<>(botIds).stream().toList();
        return jdbi.inTransaction(h -> {
            if (namesLocked) lockNames(h); // advisory lock before row locks, everywhere
            List<Changed> changed = new ArrayList<>();
            for (long id : ids) {
                Optional<Bot> bot = h.attach(BotDao.class).lock(id);
                if (bot.isPresent() && change.apply(h, bot.get())) changed.add(new Changed(id, bot.get().fullName()));
            }
            return changed;
        });
    }

    public String regenerateKey(Actor actor, long botId) {
        return apiKeys.regenerateKey(actor, botId);
    }

    /** A new key; the old one keeps working for {@code grace} (zero: stops at once). */
    public ApiKeyActions.Replaced regenerateKey(Actor actor, long botId, Duration grace) {
        return apiKeys.regenerateKey(actor, botId, grace);
    }

    public boolean endGracePeriod(Actor actor, long botId, long keyId) {
        return apiKeys.endGracePeriod(actor, botId, keyId);
    }

    /** Sets or removes the expiry of the bot's key alone. */
    public void setKeyExpiry(Actor actor, long botId, Instant at) {
        jdbi.useTransaction(h -> {
            h.attach(BotDao.class).lock(botId).orElseThrow(() -> new BotAccess.Denied("No such bot"));
            apiKeys.setExpiry(h, actor, botId, at);
        });
    }

    public String revealKey(Actor actor, long botId, String purpose) {
        return apiKeys.revealKey(actor, botId, purpose);
    }

    /** A bot's secrets: its API key and, for outgoing webhook bots, its token. */
    public record Credentials(String email, String apiKey, String token) {
        public String zuliprc(String site) {
            return Zuliprc.render(email, apiKey, site, token);
        }
    }

    /** Decrypts the bot's key (and token), recording the reveal. */
    public Credentials credentials(Actor actor, Bot bot, String purpose) {
        return jdbi.inTransaction(h -> {
            String key = apiKeys.revealKey(h, actor, bot.id(), purpose);
            String token = h.attach(BotDao.class).servicesOf(List.of(bot.id())).stream().findFirst()
                    .map(s -> cipher.decrypt(KeyCipher.Purpose.BOT_TOKEN, bot.id(), s.tokenCiphertext()))
                    .orElse(null);
            return new Credentials(bot.email(), key, token);
        });
    }

    /**
     * Refuses a Webhook URL that Keydesk would refuse to call. Done before the transaction, since
     * it may wait for DNS; the delivery checks again, for names that change later.
     */
    private void requireCallable(String payloadUrl) {
        webhookUrls.problemWith(URI.create(payloadUrl)).ifPresent(problem -> {
            throw new InvalidInputException(BotRules.PAYLOAD_URL, problem);
        });
    }

    /** A URL kept as it was is not looked up again, so a form can be saved while its webhook's DNS is down. */
    private String currentPayloadUrl(long botId) {
        return jdbi.withExtension(BotDao.class, dao -> dao.servicesOf(List.of(botId))).stream().findFirst()
                .map(BotService::payloadUrl).orElse(null);
    }

    /** The first of base-bot@, base-2-bot@, base-3-bot@, … that no account uses. */
    private String freeEmailFor(BotDao bots, String base) {
        for (int n = 1; ; n++) {
            String email = (n == 1 ? base : base + "-" + n) + "-bot@" + botDomain;
            if (!bots.emailTaken(email)) return email;
        }
    }

    /**
     * Names are unique among active accounts; this lock makes check-then-write safe across
     * processes. It is always taken before any row lock, so no two actions wait on each other.
     */
    private static void lockNames(Handle h) {
        h.createQuery("SELECT pg_advisory_xact_lock(hashtext('keydesk:account-names'))").mapTo(String.class).one();
    }

    private static void requireFreeName(Handle h, String fullName, long exceptId) {
        if (h.attach(UserDao.class).activeNameTaken(fullName, exceptId)) {
            throw new InvalidInputException(BotRules.FULL_NAME, "Name is already in use!");
        }
    }

    /** Owners are active people (not bots) of the organization; at least one is needed. */
    private static List<Long> validOwners(Handle h, List<Long> requested) {
        List<Long> unique = List.copyOf(new LinkedHashSet<>(requested));
        if (unique.isEmpty()) throw new InvalidInputException("A bot needs at least one owner.");
        List<Long> found = h.attach(BotDao.class).activeHumans(unique);
        if (found.size() != unique.size()) {
            long refused = unique.stream().filter(id -> !found.contains(id)).findFirst().orElseThrow();
            throw ownerRefused(h.attach(UserDao.class).findById(refused));
        }
        return unique;
    }

    /** Why an account cannot own a bot, in Zulip's words (its patch_bot_backend's checks, in its order) for the API. */
    private static BotRules.Refused ownerRefused(Optional<User> account) {
        if (account.isEmpty()) return new BotRules.Refused(null, "No such user", "Failed to change owner, no such user");
        if (!account.get().isActive()) {
            return new BotRules.Refused(null, account.get().fullName() + " is deactivated and cannot own a bot.",
                    "Failed to change owner, user is deactivated");
        }
        return new BotRules.Refused(null, "A bot cannot own another bot; choose a person.",
                "Failed to change owner, bots can't own other bots");
    }
}
