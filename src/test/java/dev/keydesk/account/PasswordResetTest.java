package dev.keydesk.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.GreenMail;
import dev.keydesk.security.Tokens;
import dev.keydesk.support.Fixtures;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.Mails;
import dev.keydesk.support.Http;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.support.WebClient;
import dev.keydesk.support.WebClient.Page;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import jakarta.mail.internet.MimeMessage;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * "Forgot your password?" over HTTP: the request form, the e-mail (received by the test SMTP
 * server), the one-hour single-use link and the new-password form.
 */
@IntegrationTest
class PasswordResetTest {
    private static final String EMAIL = "iago@zulip.com";
    private static final String NEW_PASSWORD = "a brand new passphrase";
    private static final String REQUEST_PATH = "/accounts/password/reset";
    private static final long MAIL_TIMEOUT_MS = 15_000;

    private final TestKeydesk keydesk = TestKeydesk.get();
    private User iago;

    @BeforeEach
    void setUp() {
        keydesk.reset();
        iago = Fixtures.user(EMAIL, "Iago", Role.MEMBER);
    }

    private GreenMail mail() {
        return keydesk.mail();
    }

    private WebClient newClient() {
        return new WebClient(keydesk.baseUrl());
    }

    private static Page requestReset(WebClient client, String email) {
        Page form = client.get(REQUEST_PATH);
        assertEquals(200, form.status());
        return client.submit(form, REQUEST_PATH, Map.of("email", email));
    }

    /** Waits until {@code count} e-mails in all have arrived and returns them, oldest first. */
    private MimeMessage[] awaitMails(int count) {
        assertTrue(mail().waitForIncomingEmail(MAIL_TIMEOUT_MS, count),
                "expected " + count + " e-mail(s), got " + mail().getReceivedMessages().length);
        return mail().getReceivedMessages();
    }

    /** Waits until nothing is left to send, so the mailbox holds everything there is. */
    private static void awaitOutboxEmpty() {
        long deadline = System.currentTimeMillis() + MAIL_TIMEOUT_MS;
        while (Fixtures.count("SELECT count(*) FROM outbox WHERE delivered_at IS NULL") > 0) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("the outbox still holds undelivered items");
            }
            sleep(50);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }




    /** The reset link in an e-mail, as a path on the test server. */
    private String resetPath(MimeMessage message) {
        assertEquals("Reset your Keydesk password", Mails.subject(message));
        Matcher m = Pattern.compile(Pattern.quote(keydesk.baseUrl()) + "(/accounts/password/reset/[A-Za-z0-9_-]{43})(\\s|$)")
                .matcher(Mails.body(message));
        assertTrue(m.find(), "no reset link in:\n" + Mails.body(message));
        return m.group(1);
    }

    private List<MimeMessage> resetMails() {
        return Arrays.stream(mail().getReceivedMessages())
                .filter(m -> "Reset your Keydesk password".equals(Mails.subject(m))).toList();
    }

    /** Requests a reset for iago and returns the path of the link in the e-mail. */
    private String resetLinkForIago() {
        int before = resetMails().size();
        Page sent = requestReset(newClient(), EMAIL);
        assertEquals(200, sent.status(), sent.body());
        long deadline = System.currentTimeMillis() + MAIL_TIMEOUT_MS;
        while (resetMails().size() <= before) {
            if (System.currentTimeMillis() > deadline) throw new AssertionError("no reset e-mail arrived");
            sleep(50);
        }
        MimeMessage last = resetMails().get(before);
        assertEquals(EMAIL, Mails.recipient(last));
        return resetPath(last);
    }

    /**
     * The fields a browser would send for a form: every named input, except checkboxes that are
     * not ticked, with some values replaced or added.
     */
    private static Map<String, String> browserFields(Page page, String action, Map<String, String> values) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (Element input : page.form(action).select("input[name]")) {
            if ("checkbox".equals(input.attr("type")) && !input.hasAttr("checked")) continue;
            fields.put(input.attr("name"), input.attr("value"));
        }
        fields.putAll(values);
        return fields;
    }

    private static Page setNewPassword(WebClient client, Page form, String path, String password, String again,
                                       boolean regenerateKey) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("new_password", password);
        values.put("new_password_confirm", again);
        if (regenerateKey) values.put("regenerate_key", "yes");
        return client.post(path, browserFields(form, path, values));
    }

    private static String heading(Page page) {
        Element h1 = page.doc().selectFirst("h1");
        return h1 == null ? "" : h1.text();
    }

    private boolean canLogIn(String password) {
        return "Account & privacy".equals(heading(newClient().login(EMAIL, password)));
    }

    private static String alert(Page page) {
        Element alert = page.doc().selectFirst("[role=alert]");
        return alert == null ? "" : alert.text();
    }

    private String passwordHash() {
        return keydesk.primary().database().jdbi().withHandle(h -> h.createQuery("SELECT password_hash FROM users WHERE id = :id")
                .bind("id", iago.id()).mapTo(String.class).one());
    }

    private long emailsQueued() {
        return Fixtures.count("SELECT count(*) FROM outbox WHERE kind = 'email'");
    }

    @Test
    void theResetEmailArrivesAndTheAnswerIsTheSameForAnUnknownAddress() {
        Page unknown = requestReset(newClient(), "nobody@zulip.com");
        Page known = requestReset(newClient(), EMAIL);
        assertEquals(200, unknown.status());
        assertEquals(200, known.status());
        assertTrue(known.text().contains(EMAIL), known.text());
        assertNotNull(known.doc().selectFirst("[role=status]"));
        assertEquals(known.text().replace(EMAIL, "ADDRESS"), unknown.text().replace("nobody@zulip.com", "ADDRESS"),
                "the page must not tell whether the address has an account");

        MimeMessage[] mails = awaitMails(1);
        awaitOutboxEmpty();
        mails = mail().getReceivedMessages();
        assertEquals(1, mails.length, "only the existing address gets an e-mail");
        assertEquals(1, emailsQueued());
        assertEquals(EMAIL, Mails.recipient(mails[0]));
        String body = Mails.body(mails[0]);
        assertTrue(body.contains("Test Org"), body);
        assertTrue(body.contains("hour"), body);

        // The link is kept only as its SHA-256 digest, valid for one hour.
        String token = resetPath(mails[0]).substring((REQUEST_PATH + "/").length());
        assertEquals(1, Fixtures.count("SELECT count(*) FROM password_resets"));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM password_resets WHERE token_digest = sha256(convert_to('"
                + token + "', 'UTF8'))"));
        assertEquals(1, Fixtures.count("SELECT count(*) FROM password_resets WHERE expires_at BETWEEN "
                + "now() + interval '59 minutes' AND now() + interval '1 hour'"));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM password_resets r WHERE position('" + token
                + "' IN r::text) > 0"), "the token itself is not stored");
        assertTrue(Fixtures.auditEvents(iago.id()).contains("password_reset_requested"));
    }

    @Test
    void anInvalidAddressIsExplained() {
        Page invalid = requestReset(newClient(), "not an address");
        assertEquals(400, invalid.status());
        assertTrue(alert(invalid).contains("valid email address"), alert(invalid));
        assertEquals(0, emailsQueued());
    }

    @Test
    void theLinkSetsANewPasswordOnce() {
        String path = resetLinkForIago();
        WebClient client = newClient();
        Page form = client.get(path);
        assertEquals(200, form.status());
        assertEquals("Choose a new password", heading(form));

        Page done = setNewPassword(client, form, path, NEW_PASSWORD, NEW_PASSWORD, false);
        assertEquals(200, done.status(), done.body());
        assertEquals("Log in", heading(done));
        Element notice = done.doc().selectFirst(".flash");
        assertNotNull(notice, "a notice on the login page");
        assertTrue(notice.text().contains("Your password has been changed"), notice.text());

        assertFalse(canLogIn(Fixtures.PASSWORD), "the old password no longer works");
        assertTrue(canLogIn(NEW_PASSWORD), "the new password works");

        Page again = newClient().get(path);
        assertEquals(404, again.status(), "the link works once");
        assertTrue(again.text().contains("not valid"), again.text());
        Page reused = setNewPassword(client, form, path, "yet another password", "yet another password", false);
        assertEquals(404, reused.status());
        assertTrue(canLogIn(NEW_PASSWORD), "the second use changed nothing");

        List<String> events = Fixtures.auditEvents(iago.id());
        assertTrue(events.contains("password_changed"), events.toString());
        assertEquals(1, events.stream().filter("password_changed"::equals).count());
    }

    @Test
    void aNewPasswordEndsEveryOtherSession() {
        WebClient elsewhere = newClient();
        assertEquals("Account & privacy", heading(elsewhere.login(EMAIL, Fixtures.PASSWORD)));
        assertEquals("Account & privacy", heading(elsewhere.get("/account")));

        String path = resetLinkForIago();
        WebClient client = newClient();
        Page form = client.get(path);
        Http.Response done = Http.postForm(keydesk.baseUrl() + path,
                browserFields(form, path, Map.of("new_password", NEW_PASSWORD, "new_password_confirm", NEW_PASSWORD)),
                null, Map.of("Cookie", "keydesk_csrf=" + client.cookie("keydesk_csrf")));
        assertEquals(303, done.status(), done.body());
        assertEquals("/login", done.header("Location").orElse(""));

        Page after = elsewhere.get("/account");
        assertEquals("Log in", heading(after), "the other session was logged out");
        assertEquals(0, Fixtures.count("SELECT count(*) FROM sessions WHERE user_id = " + iago.id()));
    }

    @Test
    void expiredAndMadeUpLinksAreRefused() {
        String path = resetLinkForIago();
        Fixtures.execute("UPDATE password_resets SET expires_at = now() - interval '1 second'");
        WebClient client = newClient();
        Page expired = client.get(path);
        assertEquals(404, expired.status());
        assertTrue(expired.text().contains("not valid"), expired.text());
        // Posting the form directly is refused as well.
        Page csrfSource = client.get(REQUEST_PATH);
        Page posted = client.post(path, Map.of("csrf_token", WebClient.csrf(csrfSource),
                "new_password", NEW_PASSWORD, "new_password_confirm", NEW_PASSWORD));
        assertEquals(404, posted.status());
        assertTrue(canLogIn(Fixtures.PASSWORD), "the password is unchanged");

        assertEquals(404, client.get(REQUEST_PATH + "/" + Tokens.newToken()).status(), "a random token");
        assertEquals(404, client.get(REQUEST_PATH + "/" + "x".repeat(500)).status(), "an overlong token");
        assertFalse(Fixtures.auditEvents(iago.id()).contains("password_changed"));
    }

    /**
     * The outbox needs the link until the e-mail is sent (so a restart loses nothing), but once it
     * is sent the database must hold the token only as its digest.
     */
    @Test
    void onceSentTheTokenIsKeptOnlyAsADigest() {
        String token = resetLinkForIago().substring((REQUEST_PATH + "/").length());
        awaitOutboxEmpty();
        assertEquals(1, Fixtures.count("SELECT count(*) FROM outbox WHERE kind = 'email' AND delivered_at IS NOT NULL"));
        assertEquals(0, Fixtures.count("SELECT count(*) FROM outbox o WHERE position('" + token + "' IN o::text) > 0"),
                "the delivered e-mail's row still holds a working reset link");
        assertEquals(0, Fixtures.count("SELECT count(*) FROM password_resets r WHERE position('" + token
                + "' IN r::text) > 0"));
    }

    private String fetchDeviceKey() {
        Http.Response r = Http.postForm(keydesk.baseUrl() + "/api/v1/fetch_api_key",
                Http.form("username", EMAIL, "password", Fixtures.PASSWORD), null,
                Map.of("User-Agent", "ZulipMobile/27.1 (iOS 17)"));
        assertEquals(200, r.status(), r.body());
        return r.json().get("api_key").asText();
    }

    /**
     * A reset is what someone does whose password got out: the keys fetched with it stop, the
     * page says so beforehand and the notice after says how many. The main key stays unless the
     * box is ticked.
     */
    @Test
    void theNewKeyCheckboxIsOffByDefaultAndLeavesTheMainKeyButDevicesAreLoggedOut() {
        String deviceKey = fetchDeviceKey();
        assertEquals(1, Fixtures.count("SELECT count(*) FROM devices"));
        String key = Fixtures.keyOf(iago);
        String me = keydesk.baseUrl() + "/api/v1/users/me";
        assertEquals(200, Http.get(me, Http.basic(EMAIL, deviceKey)).status(), "cached before the reset");

        String path = resetLinkForIago();
        WebClient client = newClient();
        Page form = client.get(path);
        Element checkbox = form.doc().selectFirst("input[type=checkbox][name=regenerate_key]");
        assertNotNull(checkbox, "the form offers a new API key");
        assertFalse(checkbox.hasAttr("checked"), "off by default");
        assertEquals("yes", checkbox.attr("value"));
        String effects = form.doc().selectFirst("#password-reset-effects").text();
        assertTrue(effects.contains("every device logged in with a key of its own"), effects);

        Page done = setNewPassword(client, form, path, NEW_PASSWORD, NEW_PASSWORD, false);
        assertEquals("Log in", heading(done));
        String notice = done.doc().selectFirst(".flash").text();
        assertTrue(notice.contains("1 device was logged out"), notice);
        assertEquals(key, Fixtures.keyOf(iago), "the key is unchanged");
        assertEquals(200, Http.get(me, Http.basic(EMAIL, key)).status());
        assertEquals(401, Http.get(me, Http.basic(EMAIL, deviceKey)).status(), "the device's key");
        assertEquals(0, Fixtures.count("SELECT count(*) FROM devices"), "the device was logged out");
        assertEquals(1, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'devices_logged_out' "
                + "AND target_user_id = " + iago.id() + " AND details ->> 'devices' = '1'"));
    }

    @Test
    void theNewKeyCheckboxReplacesTheKeyAndLogsOutDevices() {
        String deviceKey = fetchDeviceKey();
        assertEquals(1, Fixtures.count("SELECT count(*) FROM devices"));
        String oldKey = Fixtures.keyOf(iago);

        String path = resetLinkForIago();
        WebClient client = newClient();
        Page done = setNewPassword(client, client.get(path), path, NEW_PASSWORD, NEW_PASSWORD, true);
        assertEquals("Log in", heading(done));

        String newKey = Fixtures.keyOf(iago);
        assertNotEquals(oldKey, newKey);
        String me = keydesk.baseUrl() + "/api/v1/users/me";
        assertEquals(401, Http.get(me, Http.basic(EMAIL, oldKey)).status(), "the old key");
        assertEquals(200, Http.get(me, Http.basic(EMAIL, newKey)).status(), "the new key");
        assertEquals(401, Http.get(me, Http.basic(EMAIL, deviceKey)).status(), "the device's key");
        assertTrue(done.doc().selectFirst(".flash").text().contains("1 device was logged out"),
                done.doc().selectFirst(".flash").text());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM devices"), "devices were logged out");
        assertEquals(1, Fixtures.count("SELECT count(*) FROM audit_log WHERE event_type = 'devices_logged_out'"),
                "one row for the one device");
        List<String> events = Fixtures.auditEvents(iago.id());
        assertTrue(events.contains("password_changed"), events.toString());
        assertTrue(events.contains("devices_logged_out"), events.toString());
        assertTrue(canLogIn(NEW_PASSWORD));
    }

    @Test
    void moreThanThreeRequestsForOneAddressWithinTheHourAreRefused() {
        WebClient client = newClient();
        for (int i = 0; i < 3; i++) {
            assertEquals(200, requestReset(client, EMAIL).status());
        }
        Page limited = requestReset(client, EMAIL);
        assertEquals(429, limited.status());
        assertTrue(limited.text().contains("Too many reset requests"), limited.text());
        assertNotNull(limited.header("Retry-After"));
        assertTrue(Long.parseLong(limited.header("Retry-After")) > 0);
        assertEquals(429, requestReset(client, "IAGO@Zulip.com").status(), "the address in other letters counts too");

        awaitMails(3);
        awaitOutboxEmpty();
        assertEquals(3, mail().getReceivedMessages().length, "no fourth e-mail");
        assertEquals(3, emailsQueued());
        assertTrue(Arrays.stream(mail().getReceivedMessages()).allMatch(m -> EMAIL.equals(Mails.recipient(m))));

        // An address without an account is limited the same way, so the limit tells nothing either.
        for (int i = 0; i < 3; i++) {
            assertEquals(200, requestReset(client, "nobody@zulip.com").status());
        }
        assertEquals(429, requestReset(client, "nobody@zulip.com").status());
    }

    @Test
    void requestsFromOneClientAddressAreLimitedToo() {
        WebClient client = newClient();
        for (int i = 0; i < 20; i++) {
            assertEquals(200, requestReset(client, "someone" + i + "@zulip.com").status(), "request " + (i + 1));
        }
        Page limited = requestReset(client, EMAIL);
        assertEquals(429, limited.status());
        assertEquals(0, emailsQueued(), "iago's request was refused before any e-mail was queued");
    }

    @Test
    void mismatchedOrShortPasswordsAreExplainedAndChangeNothing() {
        String path = resetLinkForIago();
        String hash = passwordHash();
        WebClient client = newClient();
        Page form = client.get(path);

        Page mismatch = setNewPassword(client, form, path, NEW_PASSWORD, NEW_PASSWORD + "!", false);
        assertEquals(400, mismatch.status());
        assertTrue(alert(mismatch).contains("do not match"), alert(mismatch));
        assertNotNull(mismatch.doc().selectFirst("form[action=" + path + "]"), "the form is shown again");

        Page tooShort = setNewPassword(client, mismatch, path, "short", "short", false);
        assertEquals(400, tooShort.status());
        assertTrue(alert(tooShort).contains("at least 8 characters"), alert(tooShort));

        assertEquals(hash, passwordHash(), "the password is unchanged");
        assertTrue(canLogIn(Fixtures.PASSWORD));
        assertFalse(Fixtures.auditEvents(iago.id()).contains("password_changed"));
        assertNull(keydesk.primary().database().jdbi().withHandle(h -> h.createQuery("SELECT used_at FROM password_resets")
                .mapTo(java.time.Instant.class).one()), "the link is not used up");
        assertEquals(200, client.get(path).status(), "and still works");
        Page done = setNewPassword(client, tooShort, path, NEW_PASSWORD, NEW_PASSWORD, false);
        assertEquals("Log in", heading(done));
        assertTrue(canLogIn(NEW_PASSWORD));
    }

    @Test
    void changingThePasswordRetiresPendingResetLinks() {
        String path = resetLinkForIago();
        WebClient browser = newClient();
        Page account = browser.login(EMAIL, Fixtures.PASSWORD);
        Page changed = browser.submit(account, "/account/password", Map.of("current_password", Fixtures.PASSWORD,
                "new_password", "a fresh password", "new_password_confirm", "a fresh password"));
        assertEquals(200, changed.status());
        assertEquals(404, newClient().get(path).status(), "the old link no longer works");
    }
}
