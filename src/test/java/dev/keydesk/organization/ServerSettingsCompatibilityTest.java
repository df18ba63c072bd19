package dev.keydesk.organization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import java.net.URI;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.Test;

/**
 * GET /server_settings's {@code is_incompatible}, as zerver/tests/test_auth.py's
 * FetchAuthBackends.test_fetch_auth_backend asks it of a Zulip server: a client whose User-Agent
 * names itself "ZulipInvalid" is too old for the server (zerver/views/auth.py,
 * check_server_incompatibility); every other client, or none named, is not.
 */
@IntegrationTest
class ServerSettingsCompatibilityTest {
    private final TestKeydesk keydesk = TestKeydesk.get();

    private boolean incompatible(String userAgent) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(keydesk.baseUrl() + "/api/v1/server_settings")).GET();
        if (userAgent != null) request.header("User-Agent", userAgent);
        Http.Response r = Http.send(request.build());
        assertEquals(200, r.status(), r.body());
        assertTrue(r.json().get("is_incompatible").isBoolean(), r.body());
        return r.json().get("is_incompatible").asBoolean();
    }

    @Test
    void aClientNamedZulipInvalidIsTooOldAndOthersAreNot() {
        assertTrue(incompatible("ZulipInvalid"));
        assertTrue(incompatible("ZulipInvalid/1.0 (Linux)"));
        assertFalse(incompatible("ZulipMobile/27.212 (Android 14)"));
        assertFalse(incompatible("ZulipInvalidator/1.0"));
        assertFalse(incompatible("python-requests/2.31.0 ZulipInvalid"));
        assertFalse(incompatible(null));
    }

    @Test
    void theNameIsReadAsZulipReadsIt() {
        assertTrue(ServerSettingsApiRoutes.isIncompatible("ZulipInvalid"));
        assertFalse(ServerSettingsApiRoutes.isIncompatible("zulipinvalid"));
        assertFalse(ServerSettingsApiRoutes.isIncompatible(null));
    }
}
