package dev.keydesk.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.jamesnetherton.zulip.client.Zulip;
import com.github.jamesnetherton.zulip.client.api.user.User;
import com.github.jamesnetherton.zulip.client.exception.ZulipClientException;
import com.github.jamesnetherton.zulip.client.http.ZulipConfiguration;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** zulip-java-client reads the zuliprc files Keydesk writes and talks to its API. */
@IntegrationTest
class ZulipJavaClientTest {
    private final TestKeydesk keydesk = TestKeydesk.get();

    @TempDir
    Path tmp;

    @BeforeEach
    void setUp() {
        keydesk.reset();
    }

    private User ownUser(String zuliprc) throws Exception {
        Path file = Files.writeString(tmp.resolve("zuliprc-" + System.nanoTime()), zuliprc);
        try (Zulip zulip = new Zulip(ZulipConfiguration.fromZuliprc(file.toFile()))) {
            return zulip.users().getOwnUser().execute();
        }
    }

    @Test
    void aMembersZuliprcWorksUntilTheKeyIsRegenerated() throws Exception {
        dev.keydesk.user.User iago = Fixtures.member("iago@zulip.com");
        String site = keydesk.primary().services().settings().site();
        String zuliprc = dev.keydesk.apikey.Zuliprc.render(iago.email(), Fixtures.keyOf(iago), site, null);
        User me = ownUser(zuliprc);
        assertEquals("iago@zulip.com", me.getEmail());
        assertEquals(iago.id(), me.getUserId());
        assertFalse(me.isBot());

        Fixtures.regenerateKey(iago);
        ZulipClientException refused = assertThrows(ZulipClientException.class, () -> ownUser(zuliprc));
        // This client reports any 401 as a protocol error, whatever its body says.
        assertTrue(String.valueOf(refused.getMessage()).contains("401"), String.valueOf(refused.getMessage()));
    }

    @Test
    void aBotsZuliprcSignsInAsTheBot() throws Exception {
        dev.keydesk.user.User owner = Fixtures.member("hamlet@zulip.com");
        var created = Fixtures.webhookBot(owner, "Java Bot", "java", "https://example.com/hook");
        String zuliprc = Fixtures.botCredentials(created.bot()).zuliprc(keydesk.primary().services().settings().site());
        assertTrue(zuliprc.contains("\ntoken="), "an outgoing webhook bot's file has its token");
        User me = ownUser(zuliprc);
        assertTrue(me.isBot());
        assertEquals(created.bot().email(), me.getEmail());
    }
}
