package dev.keydesk.organization;

import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The organization's name: the one place that reads it and knows what to call it before setup.
 *
 * <p>{@link #current(Handle)} reads it in a transaction under way, for mail written there. An
 * instance keeps it in memory, for {@code GET /api/v1/server_settings}, which every client
 * calls first and which needs no authentication: it costs no SQL statement while the name is fresh.
 *
 * <p>The organization is created once (at setup) and never renamed. This process forgets the name
 * as soon as it creates the organization ({@link #forget}, called by the setup actions after their
 * commit). Another process may create it too — the setup link opened on the other instance — and
 * no message tells this one, so a loaded name (or its absence) is kept for {@link #TTL} only: a
 * second process answers with the new name at most 10 seconds late, and an emptied table (a restored
 * backup, the tests) is noticed as quickly. One statement every 10 seconds at most is no load.
 */
public final class OrganizationName {
    public static final Duration TTL = Duration.ofSeconds(10);
    /** The name used before setup creates the organization. */
    public static final String BEFORE_SETUP = "Keydesk";

    private record Loaded(Optional<String> name, long atNanos) {}

    private final Jdbi jdbi;
    private final LongSupplier nanoClock;
    private volatile Loaded loaded;

    public OrganizationName(Jdbi jdbi) {
        this(jdbi, System::nanoTime);
    }

    OrganizationName(Jdbi jdbi, LongSupplier nanoClock) {
        this.jdbi = jdbi;
        this.nanoClock = nanoClock;
    }

    /**
     * The name as {@code handle}'s transaction sees it (a statement of its own, no memory): for
     * mail that the transaction queues, so it names what that transaction reads.
     */
    public static String current(Handle handle) {
        return handle.attach(OrganizationDao.class).find().map(Organization::name).orElse(BEFORE_SETUP);
    }

    /** The organization's name from memory, or {@link #BEFORE_SETUP} before setup. */
    public String get() {
        return find().orElse(BEFORE_SETUP);
    }

    /** The organization's name from memory (read again at most every {@link #TTL}), if set up. */
    public Optional<String> find() {
        Loaded current = loaded;
        long now = nanoClock.getAsLong();
        if (current == null || now - current.atNanos() >= TTL.toNanos()) {
            // two threads may both load at expiry; both read the same row, so either result is right
            current = new Loaded(jdbi.withExtension(OrganizationDao.class, OrganizationDao::find).map(Organization::name), now);
            loaded = current;
        }
        return current.name();
    }

    /** Reads the name again on the next request: the organization was just created here (or emptied). */
    public void forget() {
        loaded = null;
    }
}
