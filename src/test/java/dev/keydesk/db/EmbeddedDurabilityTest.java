package dev.keydesk.db;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/** The embedded PostgreSQL that `java -jar keydesk.jar` starts keeps every answered commit through a crash. */
@IntegrationTest
class EmbeddedDurabilityTest {
    @Test
    void commitsAreOnDiskBeforeTheyAreAnswered() {
        Jdbi jdbi = TestKeydesk.get().primary().database().jdbi();
        assertEquals("on", jdbi.withHandle(h -> h.createQuery("SHOW fsync").mapTo(String.class).one()));
        assertEquals("on", jdbi.withHandle(h -> h.createQuery("SHOW synchronous_commit").mapTo(String.class).one()));
    }
}
