package dev.keydesk.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The single sign-on settings: read as documented, and a bad value stops the server with one clear line. */
class OidcSettingsTest {
    @TempDir
    Path dir;

    private Map<String, String> valid() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), "s3cret\n");
        Map<String, String> env = new HashMap<>();
        env.put("KEYDESK_PORT", "8080");
        env.put("KEYDESK_EXTERNAL_URL", "https://keydesk.example.com/");
        env.put("KEYDESK_OIDC_ISSUER", "https://login.example.com/realms/staff");
        env.put("KEYDESK_OIDC_CLIENT_ID", "keydesk");
        env.put("KEYDESK_OIDC_CLIENT_SECRET_FILE", secret.toString());
        return env;
    }

    private static String refusal(Map<String, String> env) {
        return assertThrows(ConfigException.class, () -> Settings.fromMap(env)).getMessage();
    }

    @Test
    void nothingConfiguredMeansNoSingleSignOn() {
        assertNull(Settings.fromMap(Map.of()).oidc());
    }

    @Test
    void aConfiguredProviderIsReadWithItsDefaults() throws Exception {
        Map<String, String> env = valid();
        env.put("KEYDESK_OIDC_ALLOWED_DOMAINS", " Example.com, @example.org ");
        env.put("KEYDESK_OIDC_ADMIN_GROUP", "keydesk-admins");
        Settings s = Settings.fromMap(env);
        assertEquals("s3cret", s.oidc().clientSecret());
        assertEquals("Log in with single sign-on", s.oidc().buttonLabel());
        assertEquals(List.of("example.com", "example.org"), s.oidc().allowedDomains());
        assertEquals("keydesk-admins", s.oidc().adminGroup());
        assertEquals("https://keydesk.example.com/login/oidc/callback", s.oidcRedirectUri().toString());
        assertEquals(-1, s.oidc().toString().indexOf("s3cret"));
    }

    @Test
    void badValuesStopTheServerWithOneClearLine() throws Exception {
        Map<String, String> env = valid();
        env.put("KEYDESK_OIDC_ISSUER", "http://login.example.com/realms/staff");
        assertEquals("KEYDESK_OIDC_ISSUER must be the provider's https:// issuer URL (http:// only on localhost),"
                + " got 'http://login.example.com/realms/staff'", refusal(env));

        env = valid();
        env.remove("KEYDESK_OIDC_CLIENT_ID");
        assertEquals("KEYDESK_OIDC_CLIENT_ID must be set when KEYDESK_OIDC_ISSUER is", refusal(env));

        env = valid();
        env.put("KEYDESK_OIDC_CLIENT_SECRET_FILE", dir.resolve("missing").toString());
        assertEquals("KEYDESK_OIDC_CLIENT_SECRET_FILE cannot be read: " + dir.resolve("missing") + " (no such file)",
                refusal(env));

        env = valid();
        env.put("KEYDESK_OIDC_CLIENT_SECRET_FILE", Files.writeString(dir.resolve("empty"), "\n").toString());
        assertEquals("KEYDESK_OIDC_CLIENT_SECRET_FILE must hold the client secret on one line: " + dir.resolve("empty"),
                refusal(env));

        env = valid();
        env.put("KEYDESK_OIDC_ALLOWED_DOMAINS", "example.com, not a domain");
        assertEquals("KEYDESK_OIDC_ALLOWED_DOMAINS must be domain names separated by commas (example.com,example.org),"
                + " got 'not a domain'", refusal(env));

        env = valid();
        env.put("KEYDESK_OIDC_BUTTON_LABEL", "x".repeat(61));
        assertEquals("KEYDESK_OIDC_BUTTON_LABEL must be one line of at most 60 characters", refusal(env));

        assertEquals("KEYDESK_OIDC_CLIENT_ID is set but KEYDESK_OIDC_ISSUER is not: set the provider's issuer URL too",
                refusal(Map.of("KEYDESK_OIDC_CLIENT_ID", "keydesk")));
    }
}
