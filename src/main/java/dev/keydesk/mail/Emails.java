package dev.keydesk.mail;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** The text of every e-mail Keydesk sends. */
public final class Emails {
    public record Email(String subject, String body) {}

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("d MMM yyyy 'at' HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);

    private Emails() {}

    public static Email passwordReset(String orgName, String link) {
        return new Email("Reset your Keydesk password", """
                Someone (hopefully you) asked to reset the password of your %s account on Keydesk.

                To choose a new password, open this link within the next hour:

                %s

                The link works once. If you did not ask for this, ignore this message: your password stays as it is.
                """.formatted(orgName, link));
    }

    public static Email invitation(String orgName, String inviter, String link) {
        return new Email("You are invited to " + orgName + " on Keydesk", """
                %s invited you to join %s on Keydesk, where you get and manage your API keys.

                To create your account, open this link within the next 10 days:

                %s

                The link works once.
                """.formatted(inviter, orgName, link));
    }

    /**
     * To a person whose account gave a device a key of its own from a client, user agent and
     * address that no device still logged in has. The client and user agent are the caller's
     * words, so they are quoted and escaped ({@link #quoted}): a plain-text e-mail has no markup,
     * but a line break or a bidirectional override in them could make the notice read as
     * something Keydesk did not write.
     */
    public static Email newLogin(String orgName, String client, String userAgent, String ip, Instant when,
                                 String accountLink) {
        return new Email("New login to your Keydesk account", """
                Your %s account just gave an API key of its own to a device unlike any it keeps logged in
                (none has this client, user agent and address):

                  Client:     %s
                  User agent: %s
                  Address:    %s
                  When:       %s

                The client and user agent are what the device said about itself, quoted (characters that
                would not show are written as \\u{...}); only the address is what Keydesk saw.

                If this was you, there is nothing to do.

                If it was not, someone knows your password. Under Account & privacy (%s):
                  - Change your password. That logs out every device logged in with your API key, this one
                    included, and your other browser sessions. If they may have seen your API key itself,
                    generate a new one there too.
                  - To log out only this device, find it under "Devices logged in with your API key" and
                    click Log out. Whoever has your password can fetch another key, so change it as well.
                """.formatted(orgName, quoted(client), quoted(userAgent), escaped(ip), WHEN.format(when), accountLink));
    }

    /** {@code text} between double quotes, with {@code "} and {@code \} escaped and made visible as {@link #escaped}. */
    static String quoted(String text) {
        return '"' + escaped(text == null ? "" : text.replace("\\", "\\\\").replace("\"", "\\\"")) + '"';
    }

    /**
     * {@code text} with every character that is not plain visible text written as {@code \\u{hex}}:
     * control characters (line breaks among them, C1 included), format characters (bidirectional
     * overrides and isolates, zero-width ones), line and paragraph separators, and anything
     * unassigned or half of a surrogate pair.
     */
    static String escaped(String text) {
        if (text == null) return "";
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            int type = Character.getType(c);
            boolean hidden = type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || type == Character.UNASSIGNED || type == Character.SURROGATE
                    || type == Character.PRIVATE_USE;
            if (hidden) {
                out.append("\\u{").append(Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT)).append('}');
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    /** To a person whose main key was reported leaked and has been replaced. */
    public static Email ownKeyLeaked(String orgName, String foundAt, String accountLink) {
        return new Email("Your API key was reported as leaked and has been replaced", """
                Someone reported your %s API key as leaked. Keydesk has replaced it: the old key no longer
                works, and every device that used it has been logged out.

                Where it was found, as the report says (not checked by Keydesk):
                %s

                Get your new key under Account & privacy: %s
                """.formatted(orgName, foundAt, accountLink));
    }

    /** To each owner of a bot whose key was reported leaked and has been replaced. */
    public static Email botKeyLeaked(String orgName, String botName, String foundAt, String botLink) {
        return new Email("The API key of " + botName + " was reported as leaked and has been replaced", """
                Someone reported the API key of your %s bot "%s" as leaked. Keydesk has replaced it: the old
                key no longer works.

                Where it was found, as the report says (not checked by Keydesk):
                %s

                The new key is on the bot's page: %s
                """.formatted(orgName, botName, foundAt, botLink));
    }

    public static Email botKeyExpiring(String orgName, String botName, String botEmail, Instant expiresAt, String botLink) {
        return new Email("The API key of " + botName + " expires soon", """
                The API key of the bot %s (%s) in %s on Keydesk expires on %s.

                Anything that uses the key stops working then. To keep it working, generate a new key (it gets a
                fresh lifetime) or change the expiry on the bot's page: %s
                """.formatted(botName, botEmail, orgName, WHEN.format(expiresAt), botLink));
    }

    public static Email botKeyExpired(String orgName, String botName, String botEmail, Instant expiresAt, String botLink) {
        return new Email("The API key of " + botName + " has expired", """
                The API key of the bot %s (%s) in %s on Keydesk expired on %s and is now refused.

                To give the bot a working key, generate a new one on the bot's page: %s
                """.formatted(botName, botEmail, orgName, WHEN.format(expiresAt), botLink));
    }

    /** One key in the weekly digest: whose it is (their words, quoted when written) and what is to say about it. */
    public record DigestLine(String name, String email, String detail) {}

    /** One list of the weekly digest: how many keys in all, and the first of them. */
    public record DigestSection(long total, List<DigestLine> first) {}

    /**
     * To each owner once a week, when at least one list has a key: bots' keys nobody used, keys
     * refused much more than usual, keys about to expire. Names are the accounts' own words, so
     * they are quoted and escaped as in {@link #newLogin}.
     */
    public static Email keyDigest(String orgName, String week, DigestSection unused, DigestSection refused,
                                  DigestSection expiring, String usageLink, String accountLink) {
        StringBuilder body = new StringBuilder();
        body.append("The keys of ").append(orgName).append(" on Keydesk worth a look this week (").append(week).append(").\n");
        section(body, "Bots' keys nobody used for 90 days", unused);
        section(body, "Keys refused much more than usual in the last 24 hours", refused);
        section(body, "Keys that expire within 14 days", expiring);
        body.append("""

                The Usage page has the details: %s

                You get this e-mail as an owner. To stop it, untick "Weekly key digest" under Account & privacy:
                %s
                """.formatted(usageLink, accountLink));
        return new Email("Weekly key digest for " + orgName + ": " + week, body.toString());
    }

    private static void section(StringBuilder body, String title, DigestSection section) {
        if (section.total() == 0) return;
        body.append("\n").append(title).append(": ").append(section.total()).append("\n");
        for (DigestLine line : section.first()) {
            body.append("  - ").append(quoted(line.name())).append(" <").append(escaped(line.email())).append(">: ")
                    .append(line.detail()).append("\n");
        }
        long more = section.total() - section.first().size();
        if (more > 0) body.append("  … and ").append(more).append(" more\n");
    }

    /** An instant as e-mails write it ("7 Dec 2026 at 08:00 UTC"). */
    public static String when(Instant instant) {
        return WHEN.format(instant);
    }
}
