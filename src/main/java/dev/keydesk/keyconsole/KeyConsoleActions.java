package dev.keydesk.keyconsole;

import dev.keydesk.audit.Actor;
import dev.keydesk.bot.Bot;
import dev.keydesk.bot.BotActions;
import dev.keydesk.guard.GuardActions;
import dev.keydesk.guard.GuardActions.ChosenServicesChange;
import dev.keydesk.user.User;

/**
 * The Keys console's New and Modify dialogs: a key's bot and the services that admit it change
 * together, in one transaction, or not at all.
 */
public final class KeyConsoleActions {
    private final BotActions bots;
    private final GuardActions guard;

    public KeyConsoleActions(BotActions bots, GuardActions guard) {
        this.bots = bots;
        this.guard = guard;
    }

    public BotActions.Created create(Actor actor, User admin, BotActions.NewBot spec, BotActions.KeyExpiry expiry,
                                     ChosenServicesChange services) {
        return bots.createBot(actor, admin, spec, expiry, (h, botId) -> guard.changeChosenServices(h, actor, botId, services));
    }

    public Bot modify(Actor actor, long botId, BotActions.Changes changes, BotActions.KeyExpiry expiry,
                      ChosenServicesChange services) {
        return bots.updateBot(actor, botId, changes, expiry, (h, id) -> guard.changeChosenServices(h, actor, id, services));
    }
}
