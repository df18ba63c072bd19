package dev.keydesk.mail;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

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

    public static Email newLogin(String orgName, String client, String ip, Instant when, String accountLink) {
        return new Email("New login to your Keydesk account", """
                Your %s account just gave its API key to a client it had not used before:

                  Client:  %s
                  Address: %s
                  When:    %s

                If this was you, there is nothing to do. If not, change your password and generate a new API key
                under Account & privacy: %s
                """.formatted(orgName, client, ip, WHEN.format(when), accountLink));
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
}
