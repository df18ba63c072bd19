package dev.keydesk.support;

import com.icegreen.greenmail.util.GreenMail;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.time.Duration;

/** Waiting for and reading the e-mails a test SMTP server received. */
public final class Mails {
    /** How long e-mails may take to arrive: a correctness deadline, far above the usual second. */
    public static final Duration WAIT = Duration.ofSeconds(15);

    private Mails() {}

    /** Waits until {@code server} holds {@code count} e-mails in all and returns them, oldest first. */
    public static MimeMessage[] await(GreenMail server, int count) {
        if (!server.waitForIncomingEmail(WAIT.toMillis(), count)) {
            throw new AssertionError("expected " + count + " e-mail(s), got " + server.getReceivedMessages().length);
        }
        return server.getReceivedMessages();
    }

    /**
     * Waits until the shared database's outbox has sent everything queued so far, so the test
     * SMTP server holds every e-mail there will be.
     */
    public static void awaitOutboxEmpty() {
        Wait.until("the outbox to empty", WAIT,
                () -> Fixtures.count("SELECT count(*) FROM outbox WHERE delivered_at IS NULL") == 0);
    }

    public static String body(MimeMessage message) {
        try {
            return message.getContent().toString();
        } catch (IOException | MessagingException e) {
            throw new AssertionError(e);
        }
    }

    public static String subject(MimeMessage message) {
        try {
            return message.getSubject();
        } catch (MessagingException e) {
            throw new AssertionError(e);
        }
    }

    /** The one To address. */
    public static String recipient(MimeMessage message) {
        try {
            var to = message.getRecipients(Message.RecipientType.TO);
            if (to == null || to.length != 1) throw new AssertionError("expected one recipient");
            return to[0].toString();
        } catch (MessagingException e) {
            throw new AssertionError(e);
        }
    }

    public static String sender(MimeMessage message) {
        try {
            return message.getFrom()[0].toString();
        } catch (MessagingException e) {
            throw new AssertionError(e);
        }
    }
}
