package dev.keydesk.mail;

import dev.keydesk.audit.Actor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.DummySSLServerSocketFactory;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.keydesk.Keydesk;
import dev.keydesk.config.Settings;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.Mails;
import dev.keydesk.support.StartTlsFront;
import dev.keydesk.support.StderrCapture;
import dev.keydesk.support.TestCertificates;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * E-mail over TLS against real servers with a private CA's certificate: STARTTLS (required, never
 * skipped), implicit TLS (SMTPS), a login (AUTH) with the right and a wrong password, and
 * certificates that are not to be trusted (another CA, another host name). GreenMail serves SMTPS
 * itself; for STARTTLS, which it does not offer, {@link StartTlsFront} upgrades the connection and
 * passes it through to a plain GreenMail. Each test runs a Keydesk of its own with the SMTP
 * settings under test, on a database of its own in the shared PostgreSQL (so no other test
 * server's sender takes its e-mails).
 */
@IntegrationTest
class SmtpSecurityTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String HOST = "localhost";
    private static final String SMTP_LOGIN = "mailer";
    private static final String SMTP_PASSWORD = "mail-relay-password-7Qx";
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private static TestCertificates.Authority ca;
    private static TestCertificates.Authority otherCa;
    private static TestCertificates.Server mailServer;
    private static TestCertificates.Server otherName;

    private final TestKeydesk shared = TestKeydesk.get();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void certificates() throws Exception {
        Path dir = Files.createTempDirectory("keydesk-smtp-tls");
        ca = TestCertificates.authority(dir, "mail");
        otherCa = TestCertificates.authority(dir, "other");
        mailServer = TestCertificates.server(dir, "mail-server", ca, "dns:" + HOST);
        otherName = TestCertificates.server(dir, "elsewhere", ca, "dns:mail.elsewhere.example");
        // GreenMail's SMTPS reads its key store once per JVM, from these properties.
        System.setProperty(DummySSLServerSocketFactory.GREENMAIL_KEYSTORE_FILE_PROPERTY, mailServer.keyStore().toString());
        System.setProperty(DummySSLServerSocketFactory.GREENMAIL_KEYSTORE_PASSWORD_PROPERTY, TestCertificates.PASSWORD);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) toClose.get(i).close();
    }

    @Test
    void theCaFileMayHoldSeveralCertificates() throws Exception {
        Path both = Files.writeString(Files.createTempDirectory("keydesk-ca-file").resolve("both.pem"), otherCa.pem() + ca.pem());
        Settings.Smtp smtp = Settings.fromMap(Map.of("KEYDESK_SMTP_HOST", HOST, "KEYDESK_SMTP_CA_FILE", " " + both + " ")).smtp();
        assertEquals(List.of("CN=other test CA", "CN=mail test CA"),
                smtp.trusted().stream().map(c -> c.getSubjectX500Principal().getName()).toList());

        GreenMail smtps = greenMail(ServerSetup.PROTOCOL_SMTPS);
        Keydesk keydesk = sendInvitation(smtp(smtps.getSmtps().getPort(), "tls", both));
        assertInvitationArrived(smtps, "goneril@zulip.com");
    }

    // ---------------------------------------------------------------- mail that goes out

    @Test
    void mailGoesOutOverStartTlsTrustingThePrivateCa() throws Exception {
        GreenMail behind = greenMail(ServerSetup.PROTOCOL_SMTP);
        StartTlsFront front = front(mailServer, behind);
        Keydesk keydesk = sendInvitation(smtp(front.port(), "starttls", ca.certificateFile()));

        assertInvitationArrived(behind, "goneril@zulip.com");
        assertEquals(List.of("ok"), front.handshakes().stream().map(h -> h.split(" ")[0]).toList(), front.handshakes().toString());
        assertTrue(front.saidOverTls().contains("MAIL FROM:<keydesk@example.com>"), "the mail went over TLS: " + front.saidOverTls());
        assertFalse(front.saidOverTls().contains("AUTH"), "no login without a user");
        awaitRow(keydesk, "the row marked delivered", r -> r.delivered());
    }

    @Test
    void mailGoesOutOverImplicitTlsTrustingThePrivateCa() throws Exception {
        GreenMail smtps = greenMail(ServerSetup.PROTOCOL_SMTPS);
        Keydesk keydesk = sendInvitation(smtp(smtps.getSmtps().getPort(), "tls", ca.certificateFile()));

        assertInvitationArrived(smtps, "goneril@zulip.com");
        awaitRow(keydesk, "the row marked delivered", r -> r.delivered());
    }

    @Test
    void aLoginWithTheRightPasswordSendsTheMail() throws Exception {
        GreenMail behind = greenMail(ServerSetup.PROTOCOL_SMTP);
        behind.setUser("keydesk@example.com", SMTP_LOGIN, SMTP_PASSWORD);
        StartTlsFront front = front(mailServer, behind);
        Keydesk keydesk = sendInvitation(smtp(front.port(), "starttls", ca.certificateFile(),
                "KEYDESK_SMTP_USER", SMTP_LOGIN, "KEYDESK_SMTP_PASSWORD", SMTP_PASSWORD));

        assertInvitationArrived(behind, "goneril@zulip.com");
        assertTrue(front.saidOverTls().contains("AUTH "), "logged in, over TLS: " + front.saidOverTls());
        assertTrue(front.answeredOverTls().contains("\n235 "), "the login was accepted: " + front.answeredOverTls());
    }

    // ---------------------------------------------------------------- mail that must not go out

    @Test
    void aWrongPasswordIsRetriedAndSaidInTheLogWithoutThePassword() throws Exception {
        GreenMail behind = greenMail(ServerSetup.PROTOCOL_SMTP);
        behind.setUser("keydesk@example.com", SMTP_LOGIN, SMTP_PASSWORD);
        StartTlsFront front = front(mailServer, behind);
        String wrong = "not-the-relay-password-3Fz";
        try (StderrCapture log = new StderrCapture()) {
            Keydesk keydesk = sendInvitation(smtp(front.port(), "starttls", ca.certificateFile(),
                    "KEYDESK_SMTP_USER", SMTP_LOGIN, "KEYDESK_SMTP_PASSWORD", wrong));

            EmailRow row = awaitRow(keydesk, "two refused attempts", r -> r.attempts() >= 2 && r.lastError() != null);
            assertFalse(row.delivered(), row.toString());
            assertFalse(row.failed(), "a refused login is retried, the e-mail kept: " + row);
            assertTrue(row.lastError().startsWith("SMTP login refused for " + SMTP_LOGIN + ": "), row.lastError());
            assertTrue(row.lastError().contains("535"), "the server's answer: " + row.lastError());
            assertTrue(front.answeredOverTls().contains("\n535 "), front.answeredOverTls());
            assertEquals(0, behind.getReceivedMessages().length, "nothing was sent");

            List<String> lines = log.lines().stream().filter(l -> l.contains(" MailDeliverer - ")).toList();
            assertTrue(lines.size() >= 2, "a line per refused attempt: " + log.text());
            assertTrue(lines.get(0).contains("WARN MailDeliverer - E-mail #" + row.id() + " not sent: SMTP login refused for "
                    + SMTP_LOGIN), lines.get(0));
            assertTrue(lines.get(0).contains("KEYDESK_SMTP_PASSWORD"), "it says what to check: " + lines.get(0));
            assertFalse(log.text().contains(wrong), "the log shows the password:\n" + log.text());
            assertFalse(row.lastError().contains(wrong), row.lastError());
        }
    }

    @Test
    void aCertificateFromAnotherCaIsRefusedWithStartTls() throws Exception {
        GreenMail behind = greenMail(ServerSetup.PROTOCOL_SMTP);
        StartTlsFront front = front(mailServer, behind);
        Keydesk keydesk = sendInvitation(smtp(front.port(), "starttls", otherCa.certificateFile()));

        EmailRow row = awaitOutcome(keydesk);
        assertNotSent(row, behind);
        assertTrue(row.lastError().contains("certification path"), "the certificate is not trusted: " + row.lastError());
        assertFalse(front.handshakes().isEmpty());
        assertTrue(front.handshakes().stream().allMatch(h -> h.startsWith("failed")), front.handshakes().toString());
        assertEquals("", front.saidOverTls(), "nothing was said after the refused handshake");
    }

    @Test
    void aCertificateFromAnotherCaIsRefusedWithImplicitTls() throws Exception {
        GreenMail smtps = greenMail(ServerSetup.PROTOCOL_SMTPS);
        Keydesk keydesk = sendInvitation(smtp(smtps.getSmtps().getPort(), "tls", otherCa.certificateFile()));

        EmailRow row = awaitOutcome(keydesk);
        assertNotSent(row, smtps);
        assertTrue(row.lastError().contains("certification path"), "the certificate is not trusted: " + row.lastError());
    }

    @Test
    void withoutTheCaFileThePrivateCertificateIsNotTrusted() throws Exception {
        GreenMail behind = greenMail(ServerSetup.PROTOCOL_SMTP);
        StartTlsFront front = front(mailServer, behind);
        Keydesk keydesk = sendInvitation(smtp(front.port(), "starttls", null));

        EmailRow row = awaitOutcome(keydesk);
        assertNotSent(row, behind);
        assertTrue(row.lastError().contains("certification path"), "the JVM's CAs do not know it: " + row.lastError());
    }

    @Test
    void aCertificateForAnotherHostNameIsRefused() throws Exception {
        GreenMail behind = greenMail(ServerSetup.PROTOCOL_SMTP);
        StartTlsFront front = front(otherName, behind); // signed by the trusted CA, but not for "localhost"
        Keydesk keydesk = sendInvitation(smtp(front.port(), "starttls", ca.certificateFile()));

        EmailRow row = awaitOutcome(keydesk);
        assertNotSent(row, behind);
        assertEquals("", front.saidOverTls(), "no SMTP command once the name did not match: " + front.saidOverTls());
    }

    @Test
    void requiredStartTlsIsNeverSkippedForAServerThatDoesNotOfferIt() throws Exception {
        GreenMail plain = greenMail(ServerSetup.PROTOCOL_SMTP);
        Keydesk keydesk = sendInvitation(smtp(plain.getSmtp().getPort(), "starttls", ca.certificateFile()));

        EmailRow row = awaitOutcome(keydesk);
        assertNotSent(row, plain);
        assertTrue(row.lastError().contains("STARTTLS"), row.lastError());
    }

    // ---------------------------------------------------------------- helpers

    /**
     * The attempt ended (its error is recorded) before the row was read, and a server has the
     * message before it answers the attempt: so had the attempt sent it, the server would hold it.
     */
    private static void assertNotSent(EmailRow row, GreenMail server) {
        assertFalse(row.delivered(), row.toString());
        assertFalse(row.failed(), "retried, the e-mail kept: " + row);
        assertTrue(row.lastError().startsWith("SMTP: "), row.lastError());
        assertEquals(0, server.getReceivedMessages().length, "nothing was sent");
    }

    private static void assertInvitationArrived(GreenMail server, String to) {
        assertTrue(server.waitForIncomingEmail(WAIT.toMillis(), 1), "no e-mail arrived");
        MimeMessage[] mails = server.getReceivedMessages();
        assertEquals(1, mails.length);
        assertEquals(to, Mails.recipient(mails[0]));
        assertEquals("You are invited to Acme on Keydesk", Mails.subject(mails[0]));
    }

    private GreenMail greenMail(String protocol) throws IOException {
        GreenMail mail = new GreenMail(new ServerSetup(freePort(), InetAddress.getByName(HOST).getHostAddress(), protocol));
        mail.start();
        toClose.add(mail::stop);
        return mail;
    }

    private StartTlsFront front(TestCertificates.Server certificate, GreenMail behind) throws Exception {
        StartTlsFront front = new StartTlsFront(certificate.sslContext(), behind.getSmtp().getPort());
        toClose.add(front);
        return front;
    }

    /**
     * SMTP settings: the server's port, how TLS is used, the CA file to trust (none: the JVM's
     * CAs) and {@code more} settings, as name and value.
     */
    private static Map<String, String> smtp(int port, String tls, Path caFile, String... more) {
        Map<String, String> settings = new HashMap<>();
        settings.put("KEYDESK_SMTP_PORT", Integer.toString(port));
        settings.put("KEYDESK_SMTP_TLS", tls);
        if (caFile != null) settings.put("KEYDESK_SMTP_CA_FILE", caFile.toString());
        for (int i = 0; i < more.length; i += 2) settings.put(more[i], more[i + 1]);
        return settings;
    }

    /** A Keydesk with these SMTP settings, on a fresh database of its own in the shared PostgreSQL. */
    private Keydesk keydesk(Map<String, String> smtp) {
        String database = "smtp_security_" + DATABASES.incrementAndGet();
        shared.primary().database().jdbi().useHandle(h -> {
            h.execute("DROP DATABASE IF EXISTS " + database);
            h.execute("CREATE DATABASE " + database);
        });
        Map<String, String> extra = new HashMap<>(smtp);
        extra.put("KEYDESK_SMTP_HOST", HOST);
        extra.put("KEYDESK_DATABASE_URL", shared.databaseUrl().replaceFirst("/postgres$", "/" + database));
        Keydesk keydesk = shared.startSeparate(extra);
        toClose.add(keydesk);
        return keydesk;
    }

    /** A Keydesk with these SMTP settings, which has queued an invitation to goneril@zulip.com. */
    private Keydesk sendInvitation(Map<String, String> smtp) {
        Keydesk keydesk = keydesk(smtp);
        invite(keydesk, "goneril@zulip.com");
        return keydesk;
    }

    /** An invitation e-mail queued by an owner. */
    private static void invite(Keydesk keydesk, String email) {
        User owner = keydesk.services().organizations().createUserFromCommandLine("Acme", "cordelia@zulip.com", "Cordelia",
                Role.OWNER, "a long password").user();
        keydesk.services().people().invite(Actor.user(owner.id(), "127.0.0.1"), email, Role.MEMBER);
    }

    record EmailRow(long id, int attempts, boolean delivered, boolean failed, String lastError) {}

    private static EmailRow row(Keydesk keydesk) {
        return keydesk.database().jdbi().withHandle(h -> h.createQuery("""
                        SELECT id, attempts, delivered_at IS NOT NULL AS delivered, failed_at IS NOT NULL AS failed, last_error
                        FROM outbox WHERE kind = 'email' AND leased_until IS NULL""")
                .map((rs, ctx) -> new EmailRow(rs.getLong("id"), rs.getInt("attempts"), rs.getBoolean("delivered"),
                        rs.getBoolean("failed"), rs.getString("last_error")))
                .findOne().orElse(null));
    }

    /** Waits until the first attempt has ended, whichever way. */
    private static EmailRow awaitOutcome(Keydesk keydesk) throws InterruptedException {
        return awaitRow(keydesk, "the first attempt's outcome", r -> r.delivered() || r.failed() || r.lastError() != null);
    }

    /** Waits until the e-mail's row, between attempts (not leased), passes {@code condition}. */
    private static EmailRow awaitRow(Keydesk keydesk, String what, java.util.function.Predicate<EmailRow> condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        EmailRow row;
        while ((row = row(keydesk)) == null || !condition.test(row)) {
            if (System.nanoTime() > deadline) throw new AssertionError("Timed out waiting for " + what + ": " + row);
            Thread.sleep(20);
        }
        return row;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
