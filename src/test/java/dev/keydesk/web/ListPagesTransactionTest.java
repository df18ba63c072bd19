package dev.keydesk.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.Wait;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each long list (Keys, Your bots, Users, Audit log) reads everything it shows in one read-only
 * transaction, one snapshot of the data: a request costs that and the one lookup before it of
 * the signed-in person (their session, their account and the owners' second-factor requirement,
 * read together), however many queries the page makes.
 */
@IntegrationTest
class ListPagesTransactionTest {
    private static final int PAGES = 10;
    private static final TestKeydesk keydesk = TestKeydesk.get();
    private static WebClient browser;

    @BeforeAll
    static void sixtyBotsAndTheirHistory() {
        keydesk.reset();
        User admin = Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        User member = Fixtures.member("cordelia@zulip.com");
        for (int i = 0; i < 60; i++) {
            Fixtures.newBot("Load Bot " + i).owners(member, admin).createdBy(member);
        }
        browser = new WebClient(keydesk.baseUrl());
        browser.login("iago@zulip.com", Fixtures.PASSWORD);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "/keys, /keys?sort=name, tr[data-name], 50",
            "/bots, /bots, main table tbody tr, 50",
            "/users, /users, main table tbody tr, 2",
            "/audit-log, /audit-log, main table tbody tr, 50",
            "/account, /account, main h1, 1",
    })
    void aPagesReadsShareOneTransaction(String route, String address, String rowSelector, int rows) {
        var transactions = keydesk.primary().services().metrics().requestTransactions(route, "GET");
        var statements = keydesk.primary().services().metrics().requestStatements(route, "GET");
        assertEquals(200, browser.get(address).status());
        Wait.until("the first page was counted", Duration.ofSeconds(30), () -> transactions.count() >= 1);

        long requestsBefore = transactions.count();
        double transactionsBefore = transactions.totalAmount();
        double statementsBefore = statements.totalAmount();
        for (int i = 0; i < PAGES; i++) {
            WebClient.Page page = browser.get(address);
            assertEquals(200, page.status());
            assertTrue(page.doc().select(rowSelector).size() >= rows,
                    "at least " + rows + " rows, found " + page.doc().select(rowSelector).size());
        }
        // The request log (and its meters) runs just after each answer is sent.
        Wait.until("every page was counted", Duration.ofSeconds(30), () -> transactions.count() - requestsBefore == PAGES);
        double perPage = (transactions.totalAmount() - transactionsBefore) / PAGES;
        double statementsPerPage = (statements.totalAmount() - statementsBefore) / PAGES;
        // Each page costs 2: before it, the signed-in person's session with their account and the
        // owners' second-factor requirement. The organization's name, cached for ten seconds, may be
        // read again once or twice during the ten requests. A page with a second transaction of its
        // own would make 3.
        assertTrue(perPage >= 2.0 && perPage < 2.5,
                perPage + " transactions per page, with " + statementsPerPage + " statements per page");
    }
}
