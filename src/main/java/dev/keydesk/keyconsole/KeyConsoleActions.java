package dev.keydesk.keyconsole;

import dev.keydesk.audit.Actor;
import dev.keydesk.bot.Bot;
import dev.keydesk.bot.BotActions;
import dev.keydesk.guard.GuardActions;
import dev.keydesk.guard.GuardActions.ChosenServicesChange;
import dev.keydesk.guard.KeyRestrictionActions;
import dev.keydesk.keyscope.KeyRestrictions;
import dev.keydesk.user.User;

/**
 * The Keys console's New and Modify dialogs: a key's bot, the services that admit it and its
 * limits change together, in one transaction, or not at all. The services are chosen before the
 * limits are checked, so a scope may name a service ticked in the same form.
 */
public final class KeyConsoleActions {
    private final BotActions bots;
    private final GuardActions guard;
    private final KeyRestrictionActions restrictions;

    public KeyConsoleActions(BotActions bots, GuardActions guard, KeyRestrictionActions restrictions) {
        this.bots = bots;
        this.guard = guard;
        this.restrictions = restrictions;
    }

    /** {@code limits}: null leaves the key unrestricted (a form without the limits fields). */
    public BotActions.Created create(Actor actor, User admin, BotActions.NewBot spec, BotActions.KeyExpiry expiry,
                                     ChosenServicesChange services, KeyRestrictions.Limits limits) {
        return bots.createBot(actor, admin, spec, expiry, (h, botId) -> {
            guard.changeChosenServices(h, actor, botId, services);
            if (limits != null && !limits.isNone()) restrictions.setForAccount(h, actor, botId, limits);
        });
    }

    /** {@code limits}: null leaves them as they are (a form without the limits fields). */
    public Bot modify(Actor actor, long botId, BotActions.Changes changes, BotActions.KeyExpiry expiry,
                      ChosenServicesChange services, KeyRestrictions.Limits limits) {
        return bots.updateBot(actor, botId, changes, expiry, (h, id) -> {
            guard.changeChosenServices(h, actor, id, services);
            if (limits != null) restrictions.changeForAccount(h, actor, id, limits);
        });
    }
}
