package dev.keydesk.keyconsole;

import dev.keydesk.bot.BotActions;
import dev.keydesk.bot.BotForms;
import dev.keydesk.bot.BotInterface;
import dev.keydesk.bot.BotType;
import dev.keydesk.apikey.KeyLifetimes;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.guard.GuardActions.ChosenServicesChange;
import dev.keydesk.guard.KeyLimitsInput;
import dev.keydesk.keyscope.KeyRestrictions;
import dev.keydesk.web.ListAddress;
import io.javalin.http.Context;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/** What the Keys console's New and Modify forms send, read into what the actions take. */
final class KeysForms {
    private KeysForms() {}

    static BotActions.NewBot newBot(Context ctx) {
        String webhook = blankToNull(ctx.formParam("webhook_url"));
        return new BotActions.NewBot(ctx.formParam("name"), null,
                webhook == null ? BotType.GENERIC : BotType.OUTGOING_WEBHOOK, webhook, BotInterface.ZULIP,
                BotForms.avatar(ctx, "avatar"), BotForms.ownerIds(ctx, "accounts"));
    }

    static BotActions.Changes changes(Context ctx) {
        String webhook = ctx.formParam("webhook_url");
        return new BotActions.Changes(ctx.formParam("name"), webhook == null ? null : webhook.strip(), null,
                BotForms.avatar(ctx, "avatar"), BotForms.ownerIds(ctx, "accounts"));
    }

    /** The services ticked, against those the form showed ticked (see {@link #servicesBefore}). */
    static ChosenServicesChange services(Context ctx) {
        return new ChosenServicesChange(servicesBefore(ctx), Set.copyOf(BotForms.ownerIds(ctx, "services")));
    }

    /** A new key starts with no services chosen, so everything ticked is added. */
    static ChosenServicesChange servicesOfNewKey(Context ctx) {
        return new ChosenServicesChange(Set.of(), Set.copyOf(BotForms.ownerIds(ctx, "services")));
    }

    /**
     * The services the form showed ticked, as its hidden {@code services_before} field lists them
     * ("3,7"); null when a form without it was posted, meaning whatever the key has now.
     */
    private static Set<Long> servicesBefore(Context ctx) {
        String raw = ctx.formParam("services_before");
        if (raw == null) return null;
        try {
            return Arrays.stream(raw.split(",")).map(String::strip).filter(id -> !id.isEmpty())
                    .map(Long::valueOf).collect(Collectors.toSet());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("No such service");
        }
    }

    /** The ids of {@code services}, as the hidden {@code services_before} field carries them. */
    static String idList(Set<Long> services) {
        return services.stream().sorted().map(String::valueOf).collect(Collectors.joining(","));
    }

    /**
     * The key's limits, when the form has its fields (its hidden {@code limits_form} says so); null
     * for a form without them, which leaves the limits as they are.
     */
    static KeyRestrictions.Limits limits(Context ctx) {
        if (ctx.formParam("limits_form") == null) return null;
        return KeyLimitsInput.fromForm(ctx::formParam, ctx::formParams, true);
    }

    /** The form's expiry date, when the form has the field (empty: no expiry); null leaves the expiry alone. */
    static BotActions.KeyExpiry expiry(Context ctx) {
        String raw = ctx.formParam("expires_on");
        return raw == null ? null : new BotActions.KeyExpiry(KeyLifetimes.expiry(raw));
    }

    /** Where to return after an action: the list as it was (a local /keys address only). */
    static String back(Context ctx) {
        String back = ctx.formParam("back");
        if (back == null) back = ctx.queryParam("back");
        return ListAddress.of(back, "/keys").orElse("/keys");
    }

    static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
