package dev.keydesk.db;

import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

/**
 * A page's reads in one read-only transaction: every query the page's {@code reads} make through
 * this {@link Jdbi} on this thread joins it (Jdbi hands nested calls the outer call's handle), so
 * the page costs one transaction and sees one snapshot of the data, whatever its queries classes do.
 * Writes (an audit row for a reveal, say) belong outside, after it.
 */
public final class PageRead {
    private PageRead() {}

    public static <T> T of(Jdbi jdbi, Supplier<T> reads) {
        return jdbi.inTransaction(TransactionIsolationLevel.REPEATABLE_READ, h -> {
            h.execute("SET TRANSACTION READ ONLY");
            return reads.get();
        });
    }
}
