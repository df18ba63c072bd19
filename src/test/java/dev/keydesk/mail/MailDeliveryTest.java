package dev.keydesk.mail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.keydesk.Keydesk;
import dev.keydesk.config.Settings;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.Mails;
import dev.keydesk.support.Http;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.Wait;
import dev.keydesk.support.WebClient;
import dev.keydesk.support.WebClient.Page;
import dev.keydesk.user.Role;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** E-mails Keydesk sends through SMTP: invitations, new-login notices, and the outbox across a restart. */
@IntegrationTest
class MailDeliveryTest {
    private static final String RESET_LINK = "http://localhost:\\d+(/accounts/password/reset/[A-Za-z0-9_-]{43})";

    private final TestKeydesk keydesk = TestKeydesk.get();

    @TempDir
    Path dataDir;

    @BeforeEach
    void setUp() {
        keydesk.reset();
    }

    private GreenMail mail() {
        return keydesk.mail();
    }

    private static MimeMessage[] awaitMails(GreenMail server, int count) {
        return Mails.await(server, count);
    }

    private static void await(String what, BooleanSupplier condition) {
        Wait.until(what, Mails.WAIT, condition);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private Http.Response fetchApiKey(String email, String userAgent) {
        return Http.postForm(keydesk.baseUrl() + "/api/v1/fetch_api_key",
                Http.form("username", email, "password", Fixtures.PASSWORD), null, Map.of("User-Agent", userAgent));
    }

    private static Page requestReset(String baseUrl, String email) {
        WebClient web = new WebClient(baseUrl);
        Page form = web.get("/accounts/password/reset");
        return web.submit(form, "/accounts/password/reset", Map.of("email", email));
    }

    /** The e-mail rows of a separate Keydesk's outbox: attempts, delivered, failed, last error. */
    private static Map<String, Object> onlyEmailRow(Keydesk instance) {
        return instance.database().jdbi().withHandle(h -> h.createQuery("""
                        SELECT attempts, delivered_at IS NOT NULL AS delivered, failed_at IS NOT NULL AS failed, last_error
                        FROM outbox WHERE kind = 'email'""")
                .mapToMap().one());
    }

    private static int attempts(Map<String, Object> row) {
        return ((Number) row.get("attempts")).intValue();
    }

    @Test
    void anInvitationIsSentToTheInviteeWithTheLinkThePageShows() {
        Fixtures.user("iago@zulip.com", "Iago", Role.ADMIN);
        WebClient admin = new WebClient(keydesk.baseUrl());
        admin.login("iago@zulip.com", Fixtures.PASSWORD);
        Page invited = admin.submit(admin.get("/users"), "/users/invitations",
                Map.of("email", "goneril@zulip.com", "role", "400"));
        assertEquals(200, invited.status(), invited.body());
        String link = invited.doc().selectFirst("#invitation-link").attr("value");
        assertTrue(link.startsWith(keydesk.baseUrl() + "/invite/"), link);

        MimeMessage[] mails = awaitMails(mail(), 1);
        assertEquals(1, mails.length);
        MimeMessage invitation = mails[0];
        assertEquals("goneril@zulip.com", Mails.recipient(invitation));
        assertEquals("keydesk@example.com", Mails.sender(invitation));
        assertEquals("You are invited to Test Org on Keydesk", Mails.subject(invitation));
        String body = Mails.body(invitation);
        assertTrue(body.contains("Iago invited you"), body);
        Matcher m = Pattern.compile("http://\\S+/invite/\\S+").matcher(body);
        assertTrue(m.find(), body);
        assertEquals(link, m.group(), "the e-mail carries the link the page shows");
        assertEquals(200, new WebClient(keydesk.baseUrl()).get(link.substring(keydesk.baseUrl().length())).status());
    }

    /** More cases (addresses, escaping) in NewLoginNoticeTest, behind a proxy that lets the address vary. */
    @Test
    void aNewDeviceGetsANewLoginNoticeButTheSameOneAgainDoesNot() {
        Fixtures.member("iago@zulip.com");
        assertEquals(200, fetchApiKey("iago@zulip.com", "ZulipMobile/27.1").status());
        MimeMessage[] mails = awaitMails(mail(), 1);
        MimeMessage notice = mails[0];
        assertEquals("iago@zulip.com", Mails.recipient(notice));
        assertEquals("New login to your Keydesk account", Mails.subject(notice));
        String body = Mails.body(notice);
        assertTrue(body.contains("Client:     \"ZulipMobile\""), body);
        assertTrue(body.contains("User agent: \"ZulipMobile/27.1\""), body);
        assertTrue(body.contains("Address:    127.0.0.1"), body);
        assertTrue(body.contains(keydesk.baseUrl() + "/account"), body);

        // The same device again: no notice.
        assertEquals(200, fetchApiKey("iago@zulip.com", "ZulipMobile/27.1").status());
        // Another client: a notice. The sender works in queue order, so once this one is in, a
        // notice for the second fetch would have arrived before it.
        assertEquals(200, fetchApiKey("iago@zulip.com", "ZulipTerminal/0.7.0").status());
        mails = awaitMails(mail(), 2);
        Mails.awaitOutboxEmpty();
        mails = mail().getReceivedMessages();
        assertEquals(2, mails.length, "no notice for a device the account already has");
        assertEquals(2, Fixtures.count("SELECT count(*) FROM outbox WHERE kind = 'email'"));
        assertTrue(Mails.body(mails[1]).contains("Client:     \"ZulipTerminal\""), Mails.body(mails[1]));
        assertEquals("iago@zulip.com", Mails.recipient(mails[1]));
    }

    @Test
    void aFailedFetchSendsNoNotice() {
        Fixtures.member("iago@zulip.com");
        Http.Response wrong = Http.postForm(keydesk.baseUrl() + "/api/v1/fetch_api_key",
                Http.form("username", "iago@zulip.com", "password", "not the password"), null,
                Map.of("User-Agent", "ZulipMobile/27.1"));
        assertEquals(401, wrong.status(), wrong.body());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM outbox"));
    }

    @Test
    void queuedMailSurvivesARestart() throws Exception {
        int smtpPort = freePort(); // nothing listens there yet
        Map<String, String> env = new HashMap<>();
        env.put("KEYDESK_PORT", "0");
        env.put("KEYDESK_DATA_DIR", dataDir.toString());
        env.put("KEYDESK_SMTP_HOST", "127.0.0.1");
        env.put("KEYDESK_SMTP_PORT", Integer.toString(smtpPort));
        env.put("KEYDESK_SMTP_TLS", "none");
        env.put("KEYDESK_SMTP_FROM", "keydesk@example.com");

        Keydesk first = Keydesk.start(Settings.fromMap(env), TestKeydesk.TUNING);
        try {
            first.services().organizations().createUserFromCommandLine("Acme", "cordelia@zulip.com", "Cordelia",
                    Role.OWNER, "a long password").user();
            Page sent = requestReset("http://localhost:" + first.port(), "cordelia@zulip.com");
            assertEquals(200, sent.status(), sent.body());
            await("a failed delivery attempt", () -> attempts(onlyEmailRow(first)) >= 1
                    && onlyEmailRow(first).get("last_error") != null);
            Map<String, Object> row = onlyEmailRow(first);
            assertEquals(false, row.get("delivered"), row.toString());
            assertEquals(false, row.get("failed"), "one refused connection is not the end: " + row);
            assertTrue(row.get("last_error").toString().startsWith("SMTP"), row.toString());
        } finally {
            first.close();
        }

        GreenMail smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        Keydesk second = null;
        try {
            second = Keydesk.start(Settings.fromMap(env), TestKeydesk.TUNING);
            // The retry waits out its backoff (at most a few seconds with the test tuning).
            assertTrue(smtp.waitForIncomingEmail(60_000, 1), "the queued e-mail was sent after the restart");
            MimeMessage reset = smtp.getReceivedMessages()[0];
            assertEquals("cordelia@zulip.com", Mails.recipient(reset));
            assertEquals("Reset your Keydesk password", Mails.subject(reset));
            Matcher m = Pattern.compile(RESET_LINK).matcher(Mails.body(reset));
            assertTrue(m.find(), Mails.body(reset));

            Keydesk restarted = second;
            await("the row to be marked delivered",
                    () -> Boolean.TRUE.equals(onlyEmailRow(restarted).get("delivered")));
            Map<String, Object> row = onlyEmailRow(second);
            assertEquals(false, row.get("failed"), row.toString());
            assertNull(row.get("last_error"), row.toString());
            assertEquals(1, smtp.getReceivedMessages().length, "sent once");
            // The link still works on the restarted server.
            assertEquals(200, new WebClient("http://localhost:" + second.port()).get(m.group(1)).status());
        } finally {
            try {
                if (second != null) second.close();
            } finally {
                smtp.stop();
            }
        }
    }

    @Test
    void withoutSmtpSettingsTheEmailIsWrittenToTheLogInFull() throws Exception {
        Map<String, String> env = Map.of("KEYDESK_PORT", "0", "KEYDESK_DATA_DIR", dataDir.toString());
        assertNull(Settings.fromMap(env).smtp(), "no KEYDESK_SMTP_HOST, no SMTP server");

        // slf4j-simple writes to whatever System.err is at the time; keep passing it on as well.
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream tee = new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (captured) {
                    captured.write(b);
                }
                original.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (captured) {
                    captured.write(b, off, len);
                }
                original.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8);
        System.setErr(tee);
        Keydesk instance = null;
        try {
            instance = Keydesk.start(Settings.fromMap(env), TestKeydesk.TUNING);
            instance.services().organizations().createUserFromCommandLine("Acme", "cordelia@zulip.com", "Cordelia",
                    Role.OWNER, "a long password").user();
            String site = "http://localhost:" + instance.port();
            assertEquals(200, requestReset(site, "cordelia@zulip.com").status());
            Pattern link = Pattern.compile(Pattern.quote(site) + "(/accounts/password/reset/[A-Za-z0-9_-]{43})");
            await("the e-mail in the log", () -> link.matcher(text(captured)).find());
            Keydesk started = instance;
            await("the row to be marked delivered",
                    () -> Boolean.TRUE.equals(onlyEmailRow(started).get("delivered")));

            String log = text(captured);
            assertTrue(log.contains("To: cordelia@zulip.com"), log);
            assertTrue(log.contains("Subject: Reset your Keydesk password"), log);
            assertTrue(log.contains("The link works once."), "the whole body is there: " + log);
            Matcher m = link.matcher(log);
            assertTrue(m.find());
            Page form = new WebClient(site).get(m.group(1));
            assertEquals(200, form.status(), "the logged link can be followed");
            assertNotNull(form.doc().selectFirst("input[name=new_password]"));
        } finally {
            System.setErr(original);
            if (instance != null) instance.close();
        }
    }

    private static String text(ByteArrayOutputStream captured) {
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8);
        }
    }
}
