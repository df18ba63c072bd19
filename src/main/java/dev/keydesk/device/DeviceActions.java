package dev.keydesk.device;

import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.audit.Actor;
import dev.keydesk.mail.Emails;
import dev.keydesk.organization.OrganizationDao;
import dev.keydesk.organization.Organization;
import dev.keydesk.outbox.Outbox;
import dev.keydesk.user.User;
import dev.keydesk.user.UserDao;
import java.time.Instant;
import org.jdbi.v3.core.Jdbi;

/** A client obtaining an account's key: the device is recorded, and a client never seen before is reported by e-mail. */
public final class DeviceActions {
    private final Jdbi jdbi;
    private final ApiKeyActions apiKeys;
    private final Outbox outbox;
    private final String site;

    public DeviceActions(Jdbi jdbi, ApiKeyActions apiKeys, Outbox outbox, String site) {
        this.jdbi = jdbi;
        this.apiKeys = apiKeys;
        this.outbox = outbox;
        this.site = site;
    }

    /** Returns the key for the client, in one transaction with the device row, the notice and the audit row. */
    public String giveKeyToDevice(User user, String userAgent, String ip, String purpose) {
        String client = ClientName.fromUserAgent(userAgent);
        return jdbi.inTransaction(h -> {
            DeviceDao devices = h.attach(DeviceDao.class);
            boolean newClient = !devices.knowsClient(user.id(), client);
            h.attach(UserDao.class).recordLogin(user.id());
            devices.recordUse(user.id(), client, ClientName.truncatedUserAgent(userAgent), ip);
            if (newClient && !user.isBot()) {
                String org = h.attach(OrganizationDao.class).find().map(Organization::name).orElse("Keydesk");
                Emails.Email notice = Emails.newLogin(org, client, ip, Instant.now(), site + "/account");
                outbox.email(h, user.email(), notice.subject(), notice.body());
            }
            return apiKeys.revealKey(h, Actor.api(user.id(), ip), user.id(), purpose);
        });
    }
}
