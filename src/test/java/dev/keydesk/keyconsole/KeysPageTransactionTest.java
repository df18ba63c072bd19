package dev.keydesk.keyconsole;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keydesk.audit.Actor;
import dev.keydesk.bot.BotActions;
import dev.keydesk.bot.BotInterface;
import dev.keydesk.bot.BotType;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.Wait;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Keys page reads everything it shows in one read-only transaction, one snapshot of the data:
 * a request costs that and the two lookups of the signed-in person before it (their session and
 * their account), however many queries the page makes.
 */
@IntegrationTest
class KeysPageTransactionTest {
    private static final int PAGES = 10;
    private final TestKeydesk keydesk = TestKeydesk.get();

    @Test
    void aPagesReadsShareOneTransaction() {
        keydesk.reset();
        User admin = Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        User member = Fixtures.member("cordelia@zulip.com");
        for (int i = 0; i < 60; i++) {
            keydesk.primary().services().bots().createBot(Actor.commandLine(), member, new BotActions.NewBot(
                    "Load Bot " + i, null, BotType.GENERIC, null, BotInterface.ZULIP, null, List.of(member.id(), admin.id())));
        }
        WebClient browser = new WebClient(keydesk.baseUrl());
        browser.login("iago@zulip.com", Fixtures.PASSWORD);
        var transactions = keydesk.primary().services().metrics().requestTransactions("/keys", "GET");
        var statements = keydesk.primary().services().metrics().requestStatements("/keys", "GET");
        assertEquals(200, browser.get("/keys").status());
        Wait.until("the first page was counted", Duration.ofSeconds(30), () -> transactions.count() >= 1);

        long requestsBefore = transactions.count();
        double transactionsBefore = transactions.totalAmount();
        double statementsBefore = statements.totalAmount();
        for (int i = 0; i < PAGES; i++) {
            WebClient.Page page = browser.get("/keys?sort=name");
            assertEquals(200, page.status());
            assertEquals(50, page.doc().select("tr[data-name]").size());
        }
        // The request log (and its meters) runs just after each answer is sent.
        Wait.until("every page was counted", Duration.ofSeconds(30), () -> transactions.count() - requestsBefore == PAGES);
        double perPage = (transactions.totalAmount() - transactionsBefore) / PAGES;
        double statementsPerPage = (statements.totalAmount() - statementsBefore) / PAGES;
        assertEquals(3.0, perPage, "transactions per page, with " + statementsPerPage + " statements per page");
    }
}
