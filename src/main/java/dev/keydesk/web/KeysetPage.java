package dev.keydesk.web;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One page of a keyset-paged list (see {@link Cursor}): the rows, whether there are rows before
 * and after them, and how this page was reached ({@code direction} "after" or "before" and
 * {@code cursor}, both null for the first page), so an action can bring the reader back to it.
 */
public record KeysetPage<T>(List<T> rows, boolean hasPrevious, boolean hasNext, String direction, Cursor cursor) {

    /** Reads rows in list order, {@code limit} at most, after or just before a cursor (null: from the start). */
    public interface Source<T> {
        List<T> after(Cursor after, int limit);

        List<T> before(Cursor before, int limit);
    }

    /** Runs one page's statement with the cursor (null: from the start) and the limit bound as {@code :key}, {@code :id}, {@code :limit}. */
    public interface Statement<T> {
        List<T> run(String sql, Cursor cursor, int limit);
    }

    /**
     * A source in name order, {@code (lower(u.full_name), u.id)}: {@code select} is the statement up
     * to its last condition, which the cursor's comparison and the order follow.
     */
    public static <T> Source<T> inNameOrder(String select, Statement<T> statement) {
        return new Source<>() {
            @Override
            public List<T> after(Cursor after, int limit) {
                return statement.run(select + (after == null ? "" : " AND (lower(u.full_name), u.id) > (:key, :id)")
                        + " ORDER BY lower(u.full_name), u.id LIMIT :limit", after, limit);
            }

            @Override
            public List<T> before(Cursor before, int limit) {
                List<T> rows = new ArrayList<>(statement.run(select + " AND (lower(u.full_name), u.id) < (:key, :id)"
                        + " ORDER BY lower(u.full_name) DESC, u.id DESC LIMIT :limit", before, limit));
                Collections.reverse(rows);
                return rows;
            }
        };
    }

    /**
     * The page after {@code after} or else before {@code before}; a cursor one past the end, or a
     * "before" that reaches the start, gives the first page.
     */
    public static <T> KeysetPage<T> of(Source<T> source, Cursor after, Cursor before, int size) {
        if (after == null && before != null) {
            List<T> rows = source.before(before, size + 1);
            if (rows.size() > size) return new KeysetPage<>(rows.subList(1, rows.size()), true, true, "before", before);
        } else if (after != null) {
            List<T> rows = source.after(after, size + 1);
            if (!rows.isEmpty()) {
                return new KeysetPage<>(rows.subList(0, Math.min(size, rows.size())), true, rows.size() > size, "after", after);
            }
        }
        List<T> rows = source.after(null, size + 1);
        return new KeysetPage<>(rows.subList(0, Math.min(size, rows.size())), false, rows.size() > size, null, null);
    }
}
