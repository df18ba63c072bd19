package dev.keydesk.keyconsole;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.account.Reauthentication;
import dev.keydesk.account.StepUpRoutes;
import dev.keydesk.api.PathIds;
import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.apikey.ApiKeyFormat;
import dev.keydesk.apikey.ApiKeyQueries;
import dev.keydesk.apikey.FoundKey;
import dev.keydesk.apikey.FoundKeyKind;
import dev.keydesk.apikey.KeyLookup;
import dev.keydesk.audit.Actor;
import dev.keydesk.bot.BotActions;
import dev.keydesk.people.AdminPolicy;
import dev.keydesk.people.PeopleActions;
import dev.keydesk.session.WebSession;
import dev.keydesk.user.User;
import dev.keydesk.user.UserQueries;
import dev.keydesk.web.ConfirmPage;
import dev.keydesk.web.Dates;
import dev.keydesk.web.Layout;
import dev.keydesk.web.WebError;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.Map;
import java.util.Optional;

/**
 * The Keys console's "Find a key": an administrator pastes a key (a leaked one, typically) and
 * learns whose it is, its kind and state, and its audit entries, then replaces or blocks it. The
 * key travels only in the POST body and is looked up by digest: it is never put in a URL, shown
 * back, stored or logged. The actions name the key by its row id.
 */
public final class KeyLookupRoutes {
    static final String PATH = "/keys/lookup";
    private static final String TITLE = "Find a key";

    private final ApiKeyActions apiKeys;
    private final ApiKeyQueries keyQueries;
    private final BotActions bots;
    private final PeopleActions people;
    private final UserQueries users;
    private final Reauthentication reauthentication;

    public KeyLookupRoutes(ApiKeyActions apiKeys, ApiKeyQueries keyQueries, BotActions bots, PeopleActions people,
                           UserQueries users, Reauthentication reauthentication) {
        this.reauthentication = reauthentication;
        this.apiKeys = apiKeys;
        this.keyQueries = keyQueries;
        this.bots = bots;
        this.people = people;
        this.users = users;
    }

    public void register(RoutesConfig routes) {
        routes.get(PATH, ctx -> {
            // Asked before the key is pasted, so that nothing typed is lost to the proof.
            if (StepUpRoutes.sentToStepUp(ctx, reauthentication, PATH)) return;
            render(ctx, 200, new KeyLookupPage(Layout.of(ctx, TITLE), null, null, null));
        }, RouteAccess.ADMIN);
        routes.post(PATH, this::lookUp, RouteAccess.ADMIN);
        routes.post(PATH + "/{key_id}/replace", this::replace, RouteAccess.ADMIN);
        routes.post(PATH + "/{key_id}/block", this::block, RouteAccess.ADMIN);
    }

    private void lookUp(Context ctx) {
        User admin = WebSession.caller(ctx);
        if (StepUpRoutes.sentToStepUp(ctx, reauthentication, PATH)) return;
        String key = ctx.formParam("key") == null ? "" : ctx.formParam("key").strip();
        if (key.isEmpty()) {
            render(ctx, 400, new KeyLookupPage(Layout.of(ctx, TITLE), "Paste the key to find.", null, null));
            return;
        }
        Optional<KeyLookup.Report> report = apiKeys.lookUp(WebSession.actor(ctx), key);
        String notFound = report.isPresent() ? null : ApiKeyFormat.isWellFormed(key)
                ? "Keydesk never issued this key: no account has or had it."
                : "This is not a Keydesk key: a Keydesk key is 32 letters and digits whose last six are a checksum of the rest, and these do not match.";
        ctx.header("Cache-Control", "no-store");
        render(ctx, 200, new KeyLookupPage(Layout.of(ctx, TITLE), null, notFound,
                report.map(r -> found(r, canReplace(admin, r.key()))).orElse(null)));
    }

    /** Any bot's key; a person's, by the Users page's rule (only owners touch an owner's key). */
    private boolean canReplace(User admin, FoundKey key) {
        if (!key.kind().isCurrent()) return false;
        return key.isBot() || AdminPolicy.canManage(admin, users.find(key.userId()).orElseThrow());
    }

    private static KeyLookupPage.Found found(KeyLookup.Report report, boolean canReplace) {
        FoundKey k = report.key();
        String state;
        if (!k.kind().isCurrent()) {
            state = "Replaced or retired on " + Dates.minute(k.revokedAt(), "") + ": it authenticates nothing";
        } else if (!k.accountActive()) {
            state = k.isBot() ? "Blocked: the bot is deactivated" : "The account is deactivated";
        } else {
            state = "Active";
        }
        return new KeyLookupPage.Found(k.keyId(), k.fullName(), k.email(), k.isBot() ? "/bots/" + k.userId() : null,
                k.kind().label(), state, k.kind().isCurrent(), Dates.minute(k.createdAt(), ""),
                Dates.minute(k.lastUsedAt(), "Never"), report.botOwners(),
                report.devices().stream().map(d -> new KeyLookupPage.DeviceRow(d.client(), d.ip(),
                        Dates.minute(d.lastUsedAt(), "Never"))).toList(),
                report.auditEntries().stream().map(e -> new KeyLookupPage.AuditRow(Dates.second(e.createdAt()),
                        e.eventType(), e.actorLabel() == null ? "" : e.actorLabel(), e.ip() == null ? "" : e.ip())).toList(),
                canReplace, canBlock(k));
    }

    /** Blocking is the Keys console's word for deactivating a bot; a person's access ends on the Users page. */
    private static boolean canBlock(FoundKey key) {
        return key.kind() == FoundKeyKind.BOT && key.accountActive();
    }

    private void replace(Context ctx) {
        User admin = WebSession.caller(ctx);
        if (StepUpRoutes.sentToStepUp(ctx, reauthentication, PATH)) return;
        FoundKey key = key(ctx);
        // Asked before the question, so nobody is asked to confirm what they may not do; the action checks again.
        if (!canReplace(admin, key)) throw new WebError(403, "Only owners can change an owner's account.");
        if (!"yes".equals(ctx.formParam("confirmed"))) {
            ConfirmPage.show(ctx, "Replace the key", "Replace the key of " + key.fullName() + "?",
                    "The key stops working at once" + (key.isBot() ? "; the bot's owners find the new key on its page."
                            : " and the person's devices are logged out; they find the new key under Account & privacy."),
                    PATH + "/" + key.keyId() + "/replace", "Replace", PATH);
            return;
        }
        boolean replaced = key.isBot() ? apiKeys.replaceIfCurrent(WebSession.actor(ctx), key.keyId())
                : people.replaceLookedUpKey(WebSession.actor(ctx), key.userId(), key.keyId());
        if (!replaced) throw noLongerCurrent();
        KeyNotices.LOOKED_UP_KEY_REPLACED.set(ctx);
        ctx.redirect(PATH, HttpStatus.SEE_OTHER);
    }

    private void block(Context ctx) {
        User admin = WebSession.caller(ctx);
        if (StepUpRoutes.sentToStepUp(ctx, reauthentication, PATH)) return;
        FoundKey key = key(ctx);
        if (!canBlock(key)) {
            throw new WebError(400, key.kind().isCurrent() && !key.isBot()
                    ? "A person's key is not blocked here: replace it, or deactivate the account on the Users page."
                    : "This key cannot be blocked: it is not the current key of an active bot.");
        }
        if (!"yes".equals(ctx.formParam("confirmed"))) {
            ConfirmPage.show(ctx, "Block the key", "Block the key of " + key.fullName() + "?",
                    "It authenticates nothing until the bot is unblocked on the Keys page; its value stays the same.",
                    PATH + "/" + key.keyId() + "/block", "Block", PATH);
            return;
        }
        bots.deactivate(WebSession.actor(ctx), key.userId());
        KeyNotices.LOOKED_UP_KEY_BLOCKED.set(ctx);
        ctx.redirect(PATH, HttpStatus.SEE_OTHER);
    }

    /** The current key named in the path; a key replaced meanwhile is refused with a clear message. */
    private FoundKey key(Context ctx) {
        long id = PathIds.parse(ctx.pathParam("key_id"), "There is no such key.");
        FoundKey key = keyQueries.findKey(id).orElseThrow(() -> new WebError(404, "There is no such key."));
        if (!key.kind().isCurrent()) throw noLongerCurrent();
        return key;
    }

    private static WebError noLongerCurrent() {
        return new WebError(409, "This key is no longer current: it was replaced or retired meanwhile. Look it up again to see what happened.");
    }

    private static void render(Context ctx, int status, KeyLookupPage page) {
        ctx.status(status).render("key_lookup.jte", Map.of("page", page));
    }
}
