package dev.keydesk.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

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
    }

    @Test
    void retentionIsDaysOrKeep() {
        Settings s = Settings.fromMap(Map.of("KEYDESK_OUTBOX_RETENTION_DAYS", " 7 ", "KEYDESK_AUDIT_RETENTION_DAYS", "365"));
        assertEquals(7, s.retention().outboxDays());
        assertEquals(365, s.retention().auditDays());
        assertNull(Settings.fromMap(Map.of("KEYDESK_AUDIT_RETENTION_DAYS", "keep")).retention().auditDays());
        for (String bad : new String[] {"0", "-1", "forever", "1.5", "99999"}) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> Settings.fromMap(Map.of("KEYDESK_AUDIT_RETENTION_DAYS", bad)), bad);
            assertTrue(e.getMessage().contains("KEYDESK_AUDIT_RETENTION_DAYS"), e.getMessage());
            assertThrows(ConfigException.class, () -> Settings.fromMap(Map.of("KEYDESK_OUTBOX_RETENTION_DAYS", bad)), bad);
        }
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
}
