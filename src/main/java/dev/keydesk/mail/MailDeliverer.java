package dev.keydesk.mail;

import dev.keydesk.config.Settings;
import dev.keydesk.outbox.Deliverer;
import dev.keydesk.outbox.DeliveryFailure;
import dev.keydesk.outbox.OutboxItem;
import dev.keydesk.outbox.Payloads;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends queued e-mails through the configured SMTP server (Jakarta Mail, Eclipse Angus), or,
 * with no SMTP server configured, writes them to the log in full so their links can be followed.
 * With TLS (STARTTLS or implicit), the server's certificate must be trusted and name the host;
 * STARTTLS is required, never skipped when the server does not offer it.
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
        } catch (AuthenticationFailedException e) {
            // Retried like any failure (the password may be being changed), but said at once: until
            // the settings are fixed, no e-mail goes out.
            String why = "SMTP login refused for " + smtp.user() + ": " + describe(e);
            log.warn("E-mail #{} not sent: {} (check KEYDESK_SMTP_USER and KEYDESK_SMTP_PASSWORD)", item.id(), why);
            throw new DeliveryFailure(why, false);
        } catch (MessagingException e) {
            String why = "SMTP: " + describe(e);
            log.warn("E-mail #{} not sent through {}:{} ({}): {}", item.id(), smtp.host(), smtp.port(),
                    smtp.security().name().toLowerCase(java.util.Locale.ROOT), why);
            throw new DeliveryFailure(why, false);
        }
    }

    /**
     * The exception's message and, when it says more, its innermost cause's (a TLS failure's reason
     * is only there); never the password, should a server echo it.
     */
    private String describe(Exception e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String message = String.valueOf(e.getMessage()).strip();
        if (root != e && root.getMessage() != null && !message.contains(root.getMessage())) {
            message += " (" + root.getMessage().strip() + ")";
        }
        String password = smtp.password();
        return password == null || password.isEmpty() ? message : message.replace(password, "…");
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
        // Used for implicit TLS and for STARTTLS alike.
        if (!smtp.trusted().isEmpty()) p.put("mail.smtp.ssl.socketFactory", trusting(smtp.trusted()));
        return p;
    }

    /** TLS that trusts only these certificates (a private CA's) for the server's chain. */
    private static SSLSocketFactory trusting(List<X509Certificate> certificates) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < certificates.size(); i++) store.setCertificateEntry("smtp-trusted-" + i, certificates.get(i));
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, trust.getTrustManagers(), null);
            return tls.getSocketFactory();
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("Cannot set up TLS for the SMTP server's certificates", e);
        }
    }
}
