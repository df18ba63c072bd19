package dev.keydesk.db;

import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;

/**
 * A page's reads in one read-only transaction: every query the page's {@code reads} make through
 * this {@link Jdbi} on this thread joins it (Jdbi hands nested calls the outer call's handle), so
 * the page costs one transaction and sees one snapshot of the data, whatever its queries classes do.
 * Writes (an audit row for a reveal, say) belong outside, after it.
 *
 * <p>The isolation level is set by the transaction's first statement rather than through JDBC,
 * which would ask the server for the session's level and set it before and after (four more round
 * trips on every page).
 */
public final class PageRead {
    private PageRead() {}

    public static <T> T of(Jdbi jdbi, Supplier<T> reads) {
        return jdbi.inTransaction(h -> {
            h.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            return reads.get();
        });
    }
}
