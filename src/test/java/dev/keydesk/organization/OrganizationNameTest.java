package dev.keydesk.organization;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The organization's name from memory: fresh for ten seconds, read again after setup creates it. */
@IntegrationTest
class OrganizationNameTest {
    private final TestKeydesk keydesk = TestKeydesk.get();
    private final Jdbi jdbi = keydesk.primary().database().jdbi();

    @BeforeEach
    void setUp() {
        keydesk.reset();
    }

    @Test
    void keepsTheNameForTenSecondsThenReadsItAgain() {
        AtomicLong now = new AtomicLong();
        OrganizationName name = new OrganizationName(jdbi, now::get);
        assertEquals("Keydesk", name.get(), "before setup");
        jdbi.useHandle(h -> h.execute("INSERT INTO organizations (id, name) VALUES (1, 'Elsewhere')"));
        assertEquals("Keydesk", name.get(), "another process's setup is not seen at once");
        now.addAndGet(OrganizationName.TTL.toNanos());
        assertEquals("Elsewhere", name.get(), "…but within ten seconds");
        jdbi.useHandle(h -> h.execute("UPDATE organizations SET name = 'Renamed'"));
        assertEquals("Elsewhere", name.get(), "answered from memory");
        name.forget();
        assertEquals("Renamed", name.get());
    }

    @Test
    void setupInThisProcessShowsAtOnce() {
        OrganizationName name = keydesk.primary().services().organizationName();
        assertEquals("Keydesk", name.get());
        Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        assertEquals("Test Org", name.get());
    }

    @Test
    void aTransactionReadsTheNameItSees() {
        jdbi.useTransaction(h -> {
            assertEquals(OrganizationName.BEFORE_SETUP, OrganizationName.current(h), "before setup");
            h.execute("INSERT INTO organizations (id, name) VALUES (1, 'Inside')");
            assertEquals("Inside", OrganizationName.current(h), "its own uncommitted row, no memory");
        });
    }
}
