package dev.keydesk.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The notices' words are the features'; the cookie's name must still lead to exactly one notice. */
class FlashTest {
    private enum First implements Flash.Notice {
        FLASH_TEST_SAME_NAME;

        @Override
        public Flash.Words words() {
            return Flash.Words.of("First");
        }
    }

    private enum Second implements Flash.Notice {
        FLASH_TEST_SAME_NAME;

        @Override
        public Flash.Words words() {
            return Flash.Words.of("Second");
        }
    }

    @Test
    void twoFeaturesMayNotNameANoticeAlike() {
        Flash.known(First.values());
        Flash.known(First.values()); // the same notices again (another server in the process) are fine
        assertThrows(IllegalStateException.class, () -> Flash.known(Second.values()));
    }

    @Test
    void aNamedNoticeNamesItsSubjectAndFallsBackToItsGeneralWording() {
        Flash.Notice notice = new Flash.Notice() {
            @Override
            public String name() {
                return "FLASH_TEST_NAMED";
            }

            @Override
            public Flash.Words words() {
                return Flash.Words.of("The account changed.", "%s changed.");
            }
        };
        assertEquals("Ann changed.", new Flash.Taken(notice, 7L).message("Ann"));
        assertEquals("The account changed.", new Flash.Taken(notice, 7L).message(null));
    }
}
