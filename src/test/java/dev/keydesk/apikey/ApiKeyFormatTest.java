package dev.keydesk.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeyFormatTest {
    @Test
    void generatedKeysHaveZulipsShapeAndAValidChecksum() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String key = ApiKeyFormat.generate();
            assertEquals(32, key.length());
            assertTrue(key.matches("[A-Za-z0-9]{32}"), key);
            assertTrue(ApiKeyFormat.isWellFormed(key), key);
            seen.add(key);
        }
        assertEquals(1000, seen.size());
    }

    @Test
    void anySingleCharacterChangeIsCaught() {
        String key = ApiKeyFormat.generate();
        for (int i = 0; i < key.length(); i++) {
            char replacement = key.charAt(i) == 'x' ? 'y' : 'x';
            String typo = key.substring(0, i) + replacement + key.substring(i + 1);
            assertFalse(ApiKeyFormat.isWellFormed(typo), "position " + i);
        }
    }

    @Test
    void wrongLengthsAndAlphabetsAreRefused() {
        String key = ApiKeyFormat.generate();
        assertFalse(ApiKeyFormat.isWellFormed(null));
        assertFalse(ApiKeyFormat.isWellFormed(""));
        assertFalse(ApiKeyFormat.isWellFormed(key.substring(1)));
        assertFalse(ApiKeyFormat.isWellFormed(key + "a"));
        assertFalse(ApiKeyFormat.isWellFormed(key.substring(0, 31) + "-"));
        assertFalse(ApiKeyFormat.isWellFormed("gjA04ZYcqXKalvYMA8OeXSfzUOLrtbZv"), "a Zulip-made key has no checksum");
    }
}
