package dev.keydesk.keyconsole;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keydesk.bot.BotActions.Changed;
import dev.keydesk.bot.BotType;
import dev.keydesk.keyconsole.KeyListQuery.Sort;
import dev.keydesk.web.Cursor;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The Keys page's messages after an action, and the addresses of its lists. */
class KeyResultTest {
    private static List<Changed> keys(int n) {
        return IntStream.rangeClosed(1, n).mapToObj(i -> new Changed(i, "Bot " + i)).toList();
    }

    @Test
    void messagesNameTheKeysAndCountTheRest() {
        assertEquals("Deploy Bot was blocked. Its key authenticates nothing until it is unblocked.",
                new KeyResult(KeyResult.Outcome.BLOCKED, List.of(new Changed(7, "Deploy Bot"))).message());
        assertEquals("Deploy Bot was created.", new KeyResult(KeyResult.Outcome.CREATED, List.of(new Changed(7, "Deploy Bot"))).message());
        assertEquals("2 keys were unblocked: Bot 1 and Bot 2.", new KeyResult(KeyResult.Outcome.UNBLOCKED, keys(2)).message());
        assertEquals("3 keys were deleted: Bot 1, Bot 2 and Bot 3.", new KeyResult(KeyResult.Outcome.DELETED, keys(3)).message());
        assertEquals("8 keys were blocked: Bot 1, Bot 2, Bot 3, Bot 4, Bot 5 and 3 more.",
                new KeyResult(KeyResult.Outcome.BLOCKED, keys(8)).message());
        assertEquals("No key was blocked: the chosen keys were already blocked or are gone.",
                new KeyResult(KeyResult.Outcome.BLOCKED, List.of()).message());
    }

    @Test
    void listAddressesCarryOnlyWhatIsChosen() {
        assertEquals("/keys", KeyListQuery.DEFAULT.href(null, null));
        KeyListQuery query = new KeyListQuery("deploy bot", Sort.LAST_USED, "blocked", BotType.OUTGOING_WEBHOOK, "iago@");
        assertEquals("/keys?q=deploy+bot&sort=last_used&state=blocked&type=3&owner=iago%40", query.href(null, null));
        assertEquals("/keys?q=deploy+bot&sort=last_used&state=blocked&type=3&owner=iago%40&after=2026-01-01T00%3A00%3A00Z%7C42",
                query.href("after", new Cursor("2026-01-01T00:00:00Z", 42)));
        assertEquals("/keys?q=deploy+bot&state=blocked&type=3&owner=iago%40", query.sortedBy(Sort.NAME),
                "another order starts at its first page and keeps the search and filters");
    }
}
