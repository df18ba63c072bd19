package dev.keydesk.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Page numbers from the address bar, kept within the pages that exist. */
class PagingTest {
    @Test
    void anEmptyListHasOnePage() {
        Paging paging = Paging.of(null, 0, 20);
        assertEquals(new Paging(1, 1, 20), paging);
        assertEquals(0, paging.offset());
        assertFalse(paging.hasPrevious());
        assertFalse(paging.hasNext());
    }

    @Test
    void pagesCoverEveryRowAndOnlyThose() {
        assertEquals(1, Paging.of("1", 20, 20).totalPages());
        assertEquals(2, Paging.of("1", 21, 20).totalPages());
        assertEquals(2, Paging.of("1", 40, 20).totalPages());
        assertEquals(3, Paging.of("1", 45, 20).totalPages());
        assertEquals(1, Paging.of("1", 1, 20).totalPages());
    }

    @Test
    void aPageInRangeIsShownWithItsNeighbours() {
        Paging middle = Paging.of("2", 45, 20);
        assertEquals(2, middle.page());
        assertEquals(20, middle.offset());
        assertTrue(middle.hasPrevious());
        assertTrue(middle.hasNext());
        Paging last = Paging.of("3", 45, 20);
        assertEquals(40, last.offset());
        assertTrue(last.hasPrevious());
        assertFalse(last.hasNext());
    }

    @Test
    void outOfRangePagesFallBackToTheNearestPage() {
        assertEquals(3, Paging.of("4", 45, 20).page());
        assertEquals(3, Paging.of("2147483647", 45, 20).page());
        assertEquals(1, Paging.of("0", 45, 20).page());
        assertEquals(1, Paging.of("-5", 45, 20).page());
        assertEquals(1, Paging.of("5", 0, 20).page());
    }

    @Test
    void malformedPagesShowTheFirstPage() {
        for (String raw : new String[] {null, "", "abc", "2.5", "1e2", "0x2"}) {
            assertEquals(new Paging(1, 3, 20), Paging.of(raw, 45, 20), String.valueOf(raw));
        }
    }

    @Test
    void offsetsBeyondTheIntegerRangeAreExact() {
        Paging far = Paging.of("100000", 5_000_000_000L, 50_000);
        assertEquals(100_000, far.totalPages());
        assertEquals(4_999_950_000L, far.offset());
    }
}
