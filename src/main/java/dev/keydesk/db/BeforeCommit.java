package dev.keydesk.db;

import java.sql.SQLException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.DelegatingTransactionHandler;
import org.jdbi.v3.core.transaction.TransactionHandler;

/**
 * Items collected during a transaction and handed over together, inside it, just before it
 * commits: so a change that touches a thousand accounts can say so in one statement rather than
 * a thousand (the key cache's NOTIFY). Installed as the transaction handler of every Jdbi that
 * Keydesk opens ({@link #install}); a rollback drops what was collected.
 */
public final class BeforeCommit extends DelegatingTransactionHandler {
    /** One batch: what was collected, and what to do with it before the commit. */
    private record Batch<T>(Set<T> items, Consumer<Set<T>> flush) {
        void run() {
            flush.accept(Collections.unmodifiableSet(items));
        }
    }

    /** Open transactions' batches, by handle (identity) and batch key, in the order they began. */
    private static final Map<Handle, Map<Object, Batch<?>>> PENDING = Collections.synchronizedMap(new IdentityHashMap<>());

    /** Told of every commit (Keydesk counts them). */
    private final Runnable onCommit;

    private BeforeCommit(TransactionHandler delegate, Runnable onCommit) {
        super(delegate);
        this.onCommit = onCommit;
    }

    public static void install(Jdbi jdbi, Runnable onCommit) {
        jdbi.setTransactionHandler(new BeforeCommit(jdbi.getTransactionHandler(), onCommit));
    }

    /**
     * Adds {@code item} to the batch named {@code key} of the handle's transaction; {@code flush}
     * (the one given first for that batch) receives every item once, before the commit. Outside a
     * transaction (or on a Jdbi without this handler) the item is flushed alone, at once.
     */
    @SuppressWarnings("unchecked")
    public static <T> void collect(Handle handle, Object key, T item, Consumer<Set<T>> flush) {
        if (!handle.isInTransaction() || !(handle.getJdbi().getTransactionHandler() instanceof BeforeCommit)) {
            flush.accept(Set.of(item));
            return;
        }
        Map<Object, Batch<?>> batches = PENDING.computeIfAbsent(handle, h -> new LinkedHashMap<>());
        Batch<T> batch = (Batch<T>) batches.computeIfAbsent(key, k -> new Batch<>(new LinkedHashSet<>(), flush));
        batch.items().add(item);
    }

    @Override
    public TransactionHandler specialize(Handle handle) throws SQLException {
        return new BeforeCommit(getDelegate().specialize(handle), onCommit);
    }

    @Override
    public void commit(Handle handle) {
        Map<Object, Batch<?>> batches = PENDING.remove(handle);
        if (batches != null) batches.values().forEach(Batch::run);
        super.commit(handle);
        onCommit.run();
    }

    @Override
    public void rollback(Handle handle) {
        PENDING.remove(handle);
        super.rollback(handle);
    }
}
