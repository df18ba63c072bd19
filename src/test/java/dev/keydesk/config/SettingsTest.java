package dev.keydesk.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
    @Test
    void defaultsMatchTheDocumentedTable() {
        Settings s = Settings.fromMap(Map.of());
        assertEquals(7070, s.port());
        assertEquals("127.0.0.1", s.bindAddress());
        assertEquals("http://localhost:7070", s.site());
        assertInstanceOf(Settings.Embedded.class, s.database());
        assertEquals(Path.of("./data").toAbsolutePath().normalize(), s.dataDir());
        assertEquals(s.dataDir().resolve("master.key"), s.masterKeyFile());
        assertFalse(s.devMode());
        assertFalse(s.secureCookies());
        assertEquals(30, s.retention().outboxDays());
        assertNull(s.retention().auditDays(), "the audit log is kept forever");
        assertEquals(90, s.retention().revokedDeviceKeyDays());
        assertEquals(90, s.retention().usageDays());
    }

    @Test
    void retentionIsDaysOrKeep() {
        Settings s = Settings.fromMap(Map.of("KEYDESK_OUTBOX_RETENTION_DAYS", " 7 ", "KEYDESK_AUDIT_RETENTION_DAYS", "365"));
        assertEquals(7, s.retention().outboxDays());
        assertEquals(365, s.retention().auditDays());
        assertEquals(30, Settings.fromMap(Map.of("KEYDESK_DEVICE_KEY_RETENTION_DAYS", "30")).retention().revokedDeviceKeyDays());
        assertNull(Settings.fromMap(Map.of("KEYDESK_AUDIT_RETENTION_DAYS", "keep")).retention().auditDays());
        for (String bad : new String[] {"0", "-1", "forever", "1.5", "99999"}) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> Settings.fromMap(Map.of("KEYDESK_AUDIT_RETENTION_DAYS", bad)), bad);
            assertTrue(e.getMessage().contains("KEYDESK_AUDIT_RETENTION_DAYS"), e.getMessage());
            assertThrows(ConfigException.class, () -> Settings.fromMap(Map.of("KEYDESK_OUTBOX_RETENTION_DAYS", bad)), bad);
            ConfigException device = assertThrows(ConfigException.class,
                    () -> Settings.fromMap(Map.of("KEYDESK_DEVICE_KEY_RETENTION_DAYS", bad)), bad);
            assertTrue(device.getMessage().contains("KEYDESK_DEVICE_KEY_RETENTION_DAYS"), device.getMessage());
            ConfigException usage = assertThrows(ConfigException.class,
                    () -> Settings.fromMap(Map.of("KEYDESK_USAGE_RETENTION_DAYS", bad)), bad);
            assertEquals("KEYDESK_USAGE_RETENTION_DAYS must be a number of days from 1 to 36500, got '" + bad + "'",
                    usage.getMessage());
        }
        assertEquals(400, Settings.fromMap(Map.of("KEYDESK_USAGE_RETENTION_DAYS", "400")).retention().usageDays());
    }

    @Test
    void theIpv6RateLimitPrefixIsALengthFrom32To128() {
        assertEquals(64, Settings.fromMap(Map.of()).ipv6RateLimitPrefix());
        assertEquals(48, Settings.fromMap(Map.of("KEYDESK_IPV6_RATE_LIMIT_PREFIX", " 48 ")).ipv6RateLimitPrefix());
        assertEquals(128, Settings.fromMap(Map.of("KEYDESK_IPV6_RATE_LIMIT_PREFIX", "128")).ipv6RateLimitPrefix());
        for (String bad : new String[] {"31", "129", "0", "/64", "64.5", ""}) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> Settings.fromMap(Map.of("KEYDESK_IPV6_RATE_LIMIT_PREFIX", bad)), bad);
            assertEquals("KEYDESK_IPV6_RATE_LIMIT_PREFIX must be a prefix length from 32 to 128, got '" + bad + "'",
                    e.getMessage());
        }
    }

    @Test
    void externalUrlFollowsThePortAndDropsATrailingSlash() {
        assertEquals("http://localhost:8080", Settings.fromMap(Map.of("KEYDESK_PORT", "8080")).site());
        Settings https = Settings.fromMap(Map.of("KEYDESK_EXTERNAL_URL", "https://keys.example.com/"));
        assertEquals("https://keys.example.com", https.site());
        assertTrue(https.secureCookies());
    }

    @Test
    void portZeroPicksAFreePortThatTheExternalUrlNames() {
        Settings s = Settings.fromMap(Map.of("KEYDESK_PORT", "0"));
        assertTrue(s.port() > 0);
        assertEquals("http://localhost:" + s.port(), s.site());
    }

    @Test
    void databaseUrlsInBothFormsBecomeJdbc() {
        var ext = (Settings.External) Settings.fromMap(Map.of("KEYDESK_DATABASE_URL",
                "postgresql://keydesk:p%40ss@db.internal:5433/keys?sslmode=require")).database();
        assertEquals("jdbc:postgresql://db.internal:5433/keys?sslmode=require", ext.jdbcUrl());
        assertEquals("keydesk", ext.user());
        assertEquals("p@ss", ext.password());
        assertFalse(ext.toString().contains("p@ss"));
        var jdbc = (Settings.External) Settings.fromMap(Map.of("KEYDESK_DATABASE_URL",
                "jdbc:postgresql://localhost/keys")).database();
        assertEquals("jdbc:postgresql://localhost/keys", jdbc.jdbcUrl());
        assertNull(jdbc.user());
    }

    @Test
    void badValuesAreExplained() {
        assertThrows(ConfigException.class, () -> Settings.fromMap(Map.of("KEYDESK_PORT", "seventy")));
        assertThrows(ConfigException.class, () -> Settings.fromMap(Map.of("KEYDESK_PORT", "70000")));
        assertThrows(ConfigException.class, () -> Settings.fromMap(Map.of("KEYDESK_EXTERNAL_URL", "ftp://x")));
        assertThrows(ConfigException.class, () -> Settings.fromMap(Map.of("KEYDESK_DATABASE_URL", "mysql://x/y")));
        assertThrows(ConfigException.class, () -> Settings.fromMap(Map.of("KEYDESK_DEV", "maybe")));
        assertTrue(Settings.fromMap(Map.of("KEYDESK_DEV", "true")).devMode());
    }

    @Test
    void smtpSecurityModesAndTheirPorts() {
        Map<String, String> host = Map.of("KEYDESK_SMTP_HOST", "mail.example.com");
        assertNull(Settings.fromMap(Map.of()).smtp(), "no host, no SMTP");
        Settings.Smtp byDefault = Settings.fromMap(host).smtp();
        assertEquals(Settings.SmtpSecurity.STARTTLS, byDefault.security());
        assertEquals(587, byDefault.port());
        assertEquals(List.of(), byDefault.trusted(), "the JVM's CAs");
        assertEquals(465, smtp(Map.of("KEYDESK_SMTP_TLS", "tls")).port());
        assertEquals(Settings.SmtpSecurity.TLS, smtp(Map.of("KEYDESK_SMTP_TLS", "tls")).security());
        assertEquals(25, smtp(Map.of("KEYDESK_SMTP_TLS", "none")).port());
        assertEquals(2525, smtp(Map.of("KEYDESK_SMTP_PORT", " 2525 ")).port());
        Settings.Smtp login = smtp(Map.of("KEYDESK_SMTP_USER", "mailer", "KEYDESK_SMTP_PASSWORD", "relay-secret"));
        assertEquals("mailer", login.user());
        assertFalse(login.toString().contains("relay-secret"), login.toString());
    }

    @Test
    void badSmtpValuesStopTheStartWithOneLine() throws Exception {
        assertOneLine("KEYDESK_SMTP_TLS must be none, starttls or tls", Map.of("KEYDESK_SMTP_TLS", "maybe"));
        for (String port : new String[] {"0", "70000", "-25", "smtp"}) {
            assertOneLine("KEYDESK_SMTP_PORT must be a port number from 1 to 65535, got '" + port + "'",
                    Map.of("KEYDESK_SMTP_PORT", port));
        }
        Path missing = dir.resolve("missing.pem");
        assertOneLine("KEYDESK_SMTP_CA_FILE cannot be read: " + missing + " (no such file)",
                Map.of("KEYDESK_SMTP_CA_FILE", missing.toString()));
        Path notPem = Files.writeString(dir.resolve("key.txt"), "not a certificate\n");
        assertOneLine("KEYDESK_SMTP_CA_FILE must hold PEM certificates (-----BEGIN CERTIFICATE-----), found none in " + notPem,
                Map.of("KEYDESK_SMTP_CA_FILE", notPem.toString()));
        assertOneLine("KEYDESK_SMTP_CA_FILE is set but KEYDESK_SMTP_TLS is none: set KEYDESK_SMTP_TLS to starttls or tls "
                + "for the certificates to be used", Map.of("KEYDESK_SMTP_CA_FILE", notPem.toString(), "KEYDESK_SMTP_TLS", "none"));
    }

    @TempDir
    Path dir;

    private static Settings.Smtp smtp(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(extra);
        env.put("KEYDESK_SMTP_HOST", "mail.example.com");
        return Settings.fromMap(env).smtp();
    }

    private static void assertOneLine(String message, Map<String, String> extra) {
        ConfigException e = assertThrows(ConfigException.class, () -> smtp(extra), extra.toString());
        assertEquals(message, e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }
}
