package dev.keydesk.keyconsole;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keydesk.audit.Actor;
import dev.keydesk.bot.BotActions;
import dev.keydesk.bot.BotInterface;
import dev.keydesk.bot.BotType;
import dev.keydesk.guard.Access;
import dev.keydesk.guard.GuardActions;
import dev.keydesk.guard.GuardedService;
import dev.keydesk.keyscope.AddressRanges;
import dev.keydesk.keyscope.KeyMetadata;
import dev.keydesk.keyscope.KeyRestrictions;
import dev.keydesk.keyscope.KeyScope;
import dev.keydesk.keyscope.ScopeRule;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Keys console shows what limits each key at a glance and filters the unrestricted ones. */
@IntegrationTest
class KeysLimitsColumnTest {
    private final TestKeydesk keydesk = TestKeydesk.get();

    @Test
    void eachRowSaysWhatLimitsItsKeyAndTheFilterFindsTheUnrestricted() {
        keydesk.reset();
        User hamlet = Fixtures.user("hamlet@zulip.com", "King Hamlet", Role.ADMIN);
        GuardedService grafana = keydesk.primary().services().guard().register(Actor.commandLine(),
                new GuardActions.Spec("Grafana", "", Access.EVERYONE, null)).service();
        BotActions.Created limited = keydesk.primary().services().bots().createBot(Actor.commandLine(), hamlet,
                new BotActions.NewBot("Limited Bot", "limited", BotType.GENERIC, null, BotInterface.ZULIP, null, List.of()));
        keydesk.primary().services().bots().createBot(Actor.commandLine(), hamlet,
                new BotActions.NewBot("Open Bot", "open", BotType.GENERIC, null, BotInterface.ZULIP, null, List.of()));
        keydesk.primary().services().keyRestrictions().setForAccount(Actor.commandLine(), limited.bot().id(),
                new KeyRestrictions.Limits(KeyScope.of(Map.of(grafana.id(), List.of(ScopeRule.parse("read-only")))),
                        AddressRanges.parse("10.0.0.0/8"), KeyMetadata.NONE));

        WebClient admin = new WebClient(keydesk.baseUrl());
        admin.login("hamlet@zulip.com", Fixtures.PASSWORD);
        WebClient.Page all = admin.get("/keys");
        assertEquals("Grafana: read-only; from 10.0.0.0/8",
                all.doc().selectFirst("tr[data-name=Limited Bot] .key-limits").text());
        assertEquals("unrestricted", all.doc().selectFirst("tr[data-name=Open Bot] .key-limits").text());
        assertEquals("/bots/" + limited.bot().id() + "/api-key/limits?back=%2Fkeys",
                all.doc().selectFirst("tr[data-name=Limited Bot] .key-limits").attr("href"));

        WebClient.Page unrestricted = admin.get("/keys?state=unrestricted");
        assertEquals(List.of("Open Bot"), unrestricted.doc().select("tbody tr[data-name]").eachAttr("data-name"));
        // The way back from the limits page is the list as it was.
        assertEquals("/keys?state=unrestricted", admin.get("/bots/" + limited.bot().id() + "/api-key/limits?back="
                + "%2Fkeys%3Fstate%3Dunrestricted").doc().selectFirst("input[name=back]").attr("value"));
    }
}
