package dev.keydesk.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.Http;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import io.micrometer.core.instrument.DistributionSummary;
import org.junit.jupiter.api.Test;

/**
 * What the API's busiest paths cost the database, counted in SQL statements per request: once a
 * key is cached, users/me runs none; fetch_api_key runs a fixed handful around its argon2 check.
 */
@IntegrationTest
class ApiPathCostTest {
    private final TestKeydesk keydesk = TestKeydesk.get();

    @Test
    void usersMeWithACachedKeyRunsNoStatement() throws Exception {
        keydesk.reset();
        User hamlet = Fixtures.user("hamlet@zulip.com", "King Hamlet", Role.MEMBER);
        String auth = Http.basic("hamlet@zulip.com", Fixtures.keyOf(hamlet));
        String me = keydesk.baseUrl() + "/api/v1/users/me";
        // The meters live as long as the server: count from what they hold now.
        DistributionSummary statements = keydesk.primary().services().metrics().requestStatements("/api/v1/users/me", "GET");
        long requests = statements.count();
        double before = statements.totalAmount();

        assertEquals(200, Http.get(me, auth).status()); // the one lookup that fills the cache
        waitForCount(statements, requests + 1);
        assertEquals(1.0, statements.totalAmount() - before, "an uncached key costs exactly one query");

        for (int i = 0; i < 20; i++) assertEquals(200, Http.get(me, auth).status());
        waitForCount(statements, requests + 21);
        assertEquals(1.0, statements.totalAmount() - before, "twenty cached calls added no statement");
    }

    @Test
    void fetchApiKeyCountsTheAttemptReadsTheAccountAndWritesEverythingElseInOneStatementBesidesTheForgiving() throws Exception {
        keydesk.reset();
        Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        String url = keydesk.baseUrl() + "/api/v1/fetch_api_key";
        DistributionSummary statements = keydesk.primary().services().metrics().requestStatements("/api/v1/fetch_api_key", "POST");
        var right = Http.form("username", "iago@zulip.com", "password", Fixtures.PASSWORD, "client", "ZulipTerminal");
        long requests = statements.count();
        assertEquals(200, Http.postForm(url, right, null).status()); // a new client: its notice e-mail costs more
        waitForCount(statements, ++requests);


        double before = statements.totalAmount();
        assertEquals(200, Http.postForm(url, right, null).status());
        waitForCount(statements, requests + 1);
        // The attempt (one call), the account, then one transaction: the device with its key, the
        // last login and the audit row (one statement), and the forgiving of the attempt.
        assertEquals(4.0, statements.totalAmount() - before, "statements for a known client's right password");

        before = statements.totalAmount();
        var wrong = Http.form("username", "iago@zulip.com", "password", "not the password");
        assertEquals(401, Http.postForm(url, wrong, null).status());
        waitForCount(statements, requests + 2);
        assertEquals(2.0, statements.totalAmount() - before, "a wrong password: the attempt and the account");
    }

    /** The request log (and its meters) runs just after each answer is sent. */
    private static void waitForCount(DistributionSummary summary, long count) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L; // a correctness deadline, not a speed budget
        while (summary.count() < count) {
            if (System.nanoTime() > deadline) throw new AssertionError("only " + summary.count() + " requests counted");
            Thread.sleep(5);
        }
    }
}
