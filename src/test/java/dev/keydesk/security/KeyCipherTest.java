package dev.keydesk.security;

import dev.keydesk.apikey.ApiKeyFormat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyCipherTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsAndBindsTheCiphertextToItsUser() {
        KeyCipher cipher = new KeyCipher(MasterKey.loadOrCreate(dir.resolve("master.key")));
        String key = ApiKeyFormat.generate();
        byte[] sealed = cipher.encrypt(7, key);
        assertFalse(new String(sealed, StandardCharsets.ISO_8859_1).contains(key));
        assertEquals(key, cipher.decrypt(7, sealed));
        assertThrows(IllegalStateException.class, () -> cipher.decrypt(8, sealed));
    }

    @Test
    void anotherMasterKeyCannotDecrypt() {
        KeyCipher ours = new KeyCipher(MasterKey.loadOrCreate(dir.resolve("a.key")));
        KeyCipher theirs = new KeyCipher(new SecretKeySpec(new byte[32], "AES"));
        byte[] sealed = ours.encrypt(1, ApiKeyFormat.generate());
        assertThrows(IllegalStateException.class, () -> theirs.decrypt(1, sealed));
    }

    @Test
    void masterKeyFileIsCreatedOnceWithOwnerOnlyPermissions() throws Exception {
        Path file = dir.resolve("nested/master.key");
        var first = MasterKey.loadOrCreate(file);
        var second = MasterKey.loadOrCreate(file);
        assertEquals(32, Files.size(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(java.util.Arrays.equals(first.getEncoded(), second.getEncoded()));
    }

    @Test
    void aMasterKeyFileOfTheWrongSizeStopsStartUp() throws Exception {
        Path file = dir.resolve("short.key");
        Files.writeString(file, "too short");
        ConfigException e = assertThrows(ConfigException.class, () -> MasterKey.loadOrCreate(file));
        assertTrue(e.getMessage().contains("32 bytes"), e.getMessage());
    }
}
