package dev.keydesk.support;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;

/** Reading the e-mails the test SMTP server received. */
public final class Mails {
    private Mails() {}

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
