package dev.keydesk.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A form's way back to a list is taken only when it is that list on this site. */
class ListAddressTest {
    @Test
    void theListWithOrWithoutAQueryIsTaken() {
        assertEquals(Optional.of("/keys"), ListAddress.of("/keys", "/keys"));
        assertEquals(Optional.of("/keys?q=deploy&sort=created&after=x%7C3"),
                ListAddress.of("/keys?q=deploy&sort=created&after=x%7C3", "/keys"));
    }

    @Test
    void anythingElseIsNot() {
        String[] refused = {null, "", "keys", "/keys-old", "/keys/12/edit", "/users", "https://evil.example/keys",
                "//evil.example/keys", "/keys?\\evil", "/keys?a=\nLocation: x", "/keys?" + "x".repeat(1000)};
        for (String address : refused) {
            assertEquals(Optional.empty(), ListAddress.of(address, "/keys"), String.valueOf(address));
        }
    }
}
