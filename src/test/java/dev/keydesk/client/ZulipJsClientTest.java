package dev.keydesk.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keydesk.security.Tokens;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.user.User;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official JavaScript client, zulip-js, signs in with a zuliprc file downloaded from the
 * Account &amp; privacy page and reads the user's profile (src/test/node/get-profile.js).
 */
@IntegrationTest
class ZulipJsClientTest {

    private final TestKeydesk keydesk = TestKeydesk.get();
    private final String site = keydesk.baseUrl();
    private User iago;

    @TempDir
    Path tmp;

    @BeforeAll
    static void installClient() {
        ZulipJs.ensureInstalled();
    }

    @BeforeEach
    void setUp() {
        keydesk.reset();
        iago = Fixtures.member("iago@zulip.com");
    }

    @Test
    void downloadedZuliprcSignsTheClientIn() throws IOException {
        WebClient browser = new WebClient(site);
        String zuliprc = downloadZuliprc(browser, revealKey(browser));
        assertTrue(zuliprc.contains("\nsite=" + site + "\n"), zuliprc);

        ZulipJs.Result run = ZulipJs.getProfile(write("zuliprc", zuliprc));
        assertEquals(0, run.exitCode(), run.toString());
        JsonNode profile = run.json();
        assertEquals("success", profile.path("result").asText(), run.toString());
        assertEquals("iago@zulip.com", profile.path("email").asText(), run.toString());
        assertFalse(profile.path("is_bot").asBoolean(true), run.toString());
        assertTrue(profile.path("is_bot").isBoolean(), run.toString());
        assertEquals(iago.id(), profile.path("user_id").asLong(), run.toString());
    }

    @Test
    void regeneratingTheKeyLocksOutTheOldZuliprc() throws IOException {
        WebClient browser = new WebClient(site);
        WebClient.Page revealed = revealKey(browser);
        Path oldFile = write("zuliprc-old", downloadZuliprc(browser, revealed));
        assertEquals(0, ZulipJs.getProfile(oldFile).exitCode());

        WebClient.Page confirm = browser.submit(revealed, "/account/api-key/regenerate", Map.of());
        assertEquals(200, confirm.status(), confirm.body());
        WebClient.Page regenerated = browser.submit(confirm, "/account/api-key/regenerate", Map.of("confirmed", "yes"));
        assertEquals(200, regenerated.status(), regenerated.body());
        assertTrue(regenerated.text().contains("The old key no longer works"), regenerated.text());

        ZulipJs.Result old = ZulipJs.getProfile(oldFile);
        assertEquals(1, old.exitCode(), old.toString());
        assertEquals("error", old.json().path("result").asText(), old.toString());
        assertEquals("UNAUTHORIZED", old.json().path("code").asText(), old.toString());
        assertEquals("Invalid API key", old.json().path("msg").asText(), old.toString());

        String fresh = downloadZuliprc(browser, regenerated);
        assertNotEquals(Files.readString(oldFile), fresh);
        ZulipJs.Result again = ZulipJs.getProfile(write("zuliprc-new", fresh));
        assertEquals(0, again.exitCode(), again.toString());
        assertEquals("iago@zulip.com", again.json().path("email").asText(), again.toString());
        assertEquals(iago.id(), again.json().path("user_id").asLong(), again.toString());
    }

    /**
     * A client that logged in with its password (zulip-js's fetch_api_key: a key of this device's
     * own) rotates the account's key through callEndpoint, as the Python bindings'
     * call_endpoint('users/me/api_key/regenerate', method='POST') does (Zulip's regenerate_api_key
     * view): the answer is the account's new key, the device's key is refused at once, and the
     * device is logged out like every other (src/test/node/regenerate-with-device-key.js).
     */
    @Test
    void aDeviceKeyRotatesTheAccountsKeyThroughCallEndpoint() {
        String oldMainKey = Fixtures.keyOf(iago);
        ZulipJs.Result run = ZulipJs.run("regenerate-with-device-key.js", site, "iago@zulip.com", Fixtures.PASSWORD);
        assertEquals(0, run.exitCode(), run.toString());
        JsonNode out = run.json();
        assertEquals("success", out.path("regenerated").path("result").asText(), run.toString());
        String newMainKey = Fixtures.keyOf(iago);
        assertNotEquals(oldMainKey, newMainKey);
        assertEquals(HexFormat.of().formatHex(Tokens.sha256(newMainKey)), out.path("regenerated").path("api_key_sha256").asText(),
                "the answer is the account's new main key");
        assertEquals("Invalid API key", out.path("oldKey").path("msg").asText(), run.toString());
        assertEquals("iago@zulip.com", out.path("newKey").path("email").asText(), run.toString());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM devices WHERE user_id = " + iago.id()), "the device is logged out");
        assertEquals(1, Fixtures.count("SELECT count(*) FROM api_keys WHERE kind = 'device' AND user_id = " + iago.id()
                + " AND revoked_at IS NOT NULL AND encode(digest, 'hex') = '" + out.path("deviceKeySha256").asText() + "'"));
    }

    /** Logs in, opens "Manage your API key" and confirms the password; returns the page showing the key. */
    private static WebClient.Page revealKey(WebClient browser) {
        WebClient.Page account = browser.login("iago@zulip.com", Fixtures.PASSWORD);
        assertEquals(200, account.status(), account.body());
        WebClient.Page ask = browser.get("/account/api-key");
        assertEquals(200, ask.status(), ask.body());
        WebClient.Page shown = browser.submit(ask, "/account/api-key", Map.of("password", Fixtures.PASSWORD));
        assertEquals(200, shown.status(), shown.body());
        assertTrue(shown.doc().selectFirst("#api-key-value") != null, shown.body());
        return shown;
    }

    /** Presses "Download zuliprc" on a page showing the key; returns the file. */
    private static String downloadZuliprc(WebClient browser, WebClient.Page shown) {
        String key = shown.doc().selectFirst("#api-key-value").attr("value");
        WebClient.Page download = browser.submit(shown, "/account/zuliprc", Map.of());
        assertEquals(200, download.status(), download.body());
        assertEquals("attachment; filename=\"zuliprc\"", download.header("Content-Disposition"));
        assertTrue(download.body().startsWith("[api]\n"), download.body());
        assertTrue(download.body().contains("\nkey=" + key + "\n"), download.body());
        return download.body();
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(tmp.resolve(name), content, StandardCharsets.UTF_8);
    }
}
