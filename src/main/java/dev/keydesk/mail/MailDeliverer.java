package dev.keydesk.mail;

import dev.keydesk.config.Settings;
import dev.keydesk.outbox.Deliverer;
import dev.keydesk.outbox.DeliveryFailure;
import dev.keydesk.outbox.OutboxItem;
import dev.keydesk.outbox.Payloads;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Date;
import java.util.Map;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends queued e-mails through the configured SMTP server (Jakarta Mail, Eclipse Angus), or,
 * with no SMTP server configured, writes them to the log in full so their links can be followed.
 */
public final class MailDeliverer implements Deliverer {
    private static final Logger log = LoggerFactory.getLogger(MailDeliverer.class);
    private static final String TIMEOUT_MILLIS = "10000";

    private final Settings.Smtp smtp;
    private final Session session;

    public MailDeliverer(Settings.Smtp smtp) {
        this.smtp = smtp;
        this.session = smtp == null ? null : Session.getInstance(properties(smtp));
    }

    @Override
    public void deliver(OutboxItem item) {
        Map<String, String> mail = Payloads.read(item);
        if (smtp == null) {
            log.info("E-mail (no SMTP server configured, so it is shown here instead)\nTo: {}\nSubject: {}\n\n{}",
                    mail.get("to"), mail.get("subject"), mail.get("body"));
            return;
        }
        try {
            MimeMessage message = new MimeMessage(session);
            message.setFrom(new InternetAddress(smtp.from()));
            message.setRecipient(Message.RecipientType.TO, new InternetAddress(mail.get("to"), true));
            message.setSubject(mail.get("subject"), "UTF-8");
            message.setText(mail.get("body"), "UTF-8");
            message.setSentDate(new Date());
            if (smtp.user() != null) {
                Transport.send(message, smtp.user(), smtp.password() == null ? "" : smtp.password());
            } else {
                Transport.send(message);
            }
        } catch (AddressException e) {
            throw new DeliveryFailure("bad address: " + e.getMessage(), true);
        } catch (MessagingException e) {
            throw new DeliveryFailure("SMTP: " + e.getMessage(), false);
        }
    }

    private static Properties properties(Settings.Smtp smtp) {
        Properties p = new Properties();
        p.put("mail.smtp.host", smtp.host());
        p.put("mail.smtp.port", Integer.toString(smtp.port()));
        p.put("mail.smtp.auth", Boolean.toString(smtp.user() != null));
        p.put("mail.smtp.connectiontimeout", TIMEOUT_MILLIS);
        p.put("mail.smtp.timeout", TIMEOUT_MILLIS);
        p.put("mail.smtp.writetimeout", TIMEOUT_MILLIS);
        p.put("mail.smtp.starttls.enable", Boolean.toString(smtp.security() == Settings.SmtpSecurity.STARTTLS));
        p.put("mail.smtp.starttls.required", Boolean.toString(smtp.security() == Settings.SmtpSecurity.STARTTLS));
        p.put("mail.smtp.ssl.enable", Boolean.toString(smtp.security() == Settings.SmtpSecurity.TLS));
        p.put("mail.smtp.ssl.checkserveridentity", "true");
        return p;
    }
}
