package dev.keydesk.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keydesk.bot.BotActions;
import dev.keydesk.guard.Access;
import dev.keydesk.guard.GuardActions;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * GET /api/v1/keys/{key_id}/usage over real HTTP, every answer checked against the API document:
 * the key's owners and administrators see what was counted; anyone else is told there is no such key.
 */
@IntegrationTest
class UsageApiTest {
    private final TestKeydesk keydesk = TestKeydesk.get();

    @Test
    void ownersAndAdministratorsSeeAKeysCountedUsesAndOthersAreToldThereIsNoSuchKey() {
        keydesk.reset();
        User cordelia = Fixtures.member("cordelia@zulip.com");
        User iago = Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        User hamlet = Fixtures.member("hamlet@zulip.com");
        BotActions.Created bot = Fixtures.bot(cordelia, "Reporter");
        GuardActions.Registered service = Fixtures.service("Grafana", Access.EVERYONE);
        long botKeyId = Fixtures.count("SELECT id FROM api_keys WHERE revoked_at IS NULL AND user_id = " + bot.bot().id());
        String botEmail = keydesk.primary().database().jdbi().withHandle(h -> h.createQuery("SELECT email FROM users WHERE id = :id")
                .bind("id", bot.bot().id()).mapTo(String.class).one());

        for (int i = 0; i < 2; i++) {
            assertEquals(200, Http.get(keydesk.baseUrl() + "/api/v1/users/me", Http.basic(botEmail, bot.apiKey())).status());
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(200, Http.send(HttpRequest.newBuilder(URI.create(keydesk.baseUrl() + "/forward-auth"))
                    .header("X-Keydesk-Service-Token", service.token()).header("X-Api-Key", bot.apiKey()).GET().build()).status());
        }
        keydesk.primary().services().usageCounter().flush();

        String url = keydesk.baseUrl() + "/api/v1/keys/" + botKeyId + "/usage";
        for (User reader : new User[] {cordelia, iago}) {
            Http.Response r = Http.get(url, Http.basic(reader.email(), Fixtures.keyOf(reader)));
            assertEquals(200, r.status(), r.body());
            assertEquals(botKeyId, r.json().get("key_id").asLong());
            Map<String, Long> expected = Map.of("api allowed", 2L, "Grafana allowed", 3L);
            assertEquals(expected, sums(r.json().get("days")), r.body());
            assertEquals(expected, sums(r.json().get("hours")), r.body());
            for (JsonNode point : r.json().get("days")) {
                boolean api = point.get("service").asText().equals("api");
                assertEquals(api ? null : service.service().id(), point.get("service_id").isNull() ? null : point.get("service_id").asLong());
            }
        }

        Http.Response other = Http.get(url, Http.basic(hamlet.email(), Fixtures.keyOf(hamlet)));
        Http.assertBadRequest(other, "No such key");
        Http.Response missing = Http.get(keydesk.baseUrl() + "/api/v1/keys/999999/usage", Http.basic(iago.email(), Fixtures.keyOf(iago)));
        Http.assertBadRequest(missing, "No such key");
        Http.assertBadRequest(Http.get(keydesk.baseUrl() + "/api/v1/keys/x/usage", Http.basic(iago.email(), Fixtures.keyOf(iago))),
                "No such key");
        assertEquals(401, Http.get(url, null).status());
    }

    /** The counts of a series by "service outcome", summed over its days or hours. */
    private static Map<String, Long> sums(JsonNode points) {
        Map<String, Long> sums = new TreeMap<>();
        for (JsonNode p : points) sums.merge(p.get("service").asText() + " " + p.get("outcome").asText(), p.get("count").asLong(), Long::sum);
        return sums;
    }
}
