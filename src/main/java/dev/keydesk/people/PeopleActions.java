package dev.keydesk.people;

import dev.keydesk.apikey.ApiKeyActions;
import dev.keydesk.apikey.KeyCache;
import dev.keydesk.audit.Actor;
import dev.keydesk.audit.AuditEvent;
import dev.keydesk.audit.AuditLog;
import dev.keydesk.bot.BotActions;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.mail.Emails;
import dev.keydesk.organization.OrganizationName;
import dev.keydesk.outbox.Outbox;
import dev.keydesk.security.Tokens;
import dev.keydesk.user.AccountRules;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import dev.keydesk.account.AccountActions;
import dev.keydesk.user.UserDao;
import java.time.Duration;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * What administrators do to people: roles, deactivation, emergency key rotation and
 * invitations. Each action checks {@link AdminPolicy} against fresh data inside its transaction.
 */
public final class PeopleActions {
    public static final Duration INVITATION_LIFETIME = Duration.ofDays(10);

    private final Jdbi jdbi;
    private final AccountActions users;
    private final ApiKeyActions apiKeys;
    private final BotActions bots;
    private final Outbox outbox;
    private final KeyCache keyCache;
    private final String site;
    private final Clock clock;

    public PeopleActions(Jdbi jdbi, AccountActions users, ApiKeyActions apiKeys, BotActions bots, Outbox outbox,
                         KeyCache keyCache, String site, Clock clock) {
        this.jdbi = jdbi;
        this.users = users;
        this.apiKeys = apiKeys;
        this.bots = bots;
        this.outbox = outbox;
        this.keyCache = keyCache;
        this.site = site;
        this.clock = clock;
    }

    /**
     * PATCH /users/{id}: the role is the one thing Keydesk changes there, so a request without one
     * is refused as changing nothing, once the id is known to name a person.
     */
    public void update(Actor actor, long targetId, Optional<Role> role) {
        if (role.isPresent()) {
            changeRole(actor, targetId, role.get());
            return;
        }
        jdbi.useHandle(h -> person(h, targetId));
        throw new InvalidInputException("Nothing to change");
    }

    public void changeRole(Actor actor, long targetId, Role role) {
        jdbi.useTransaction(h -> {
            PeopleDao people = h.attach(PeopleDao.class);
            people.lockOwners();
            User acting = acting(h, actor);
            User target = person(h, targetId);
            AdminPolicy.requireCanChangeRole(acting, target, role, people.activeOwners());
            if (target.role() == role.code()) return;
            people.updateRole(targetId, role.code());
            keyCache.announceChange(h, targetId); // the API path caches the account with its role
            AuditLog.record(h, AuditEvent.ROLE_CHANGED, actor, targetId,
                    Map.of("from", target.role(), "to", role.code()));
        });
    }

    /** Also deactivates the bots that nobody active would own any more: the person had seen their keys. */
    public void deactivate(Actor actor, long targetId) {
        jdbi.useTransaction(h -> {
            PeopleDao people = h.attach(PeopleDao.class);
            people.lockOwners();
            User acting = acting(h, actor);
            User target = person(h, targetId);
            AdminPolicy.requireCanDeactivate(acting, target, people.activeOwners());
            if (!target.isActive()) return;
            users.deactivate(h, actor, targetId);
            bots.deactivate(h, actor, people.botsLeftWithoutActiveOwner(targetId));
        });
    }

    public void reactivate(Actor actor, long targetId) {
        jdbi.useTransaction(h -> {
            User target = person(h, targetId);
            AdminPolicy.requireCanManage(acting(h, actor), target);
            if (!target.isActive()) users.reactivate(h, actor, targetId);
        });
    }

    /** For a leaked key: the member gets a new one, their devices are logged out, and nobody sees it here. */
    public void regenerateKey(Actor actor, long targetId) {
        jdbi.useTransaction(h -> {
            User target = person(h, targetId);
            AdminPolicy.requireCanManage(acting(h, actor), target);
            apiKeys.replaceKey(h, actor, targetId);
        });
    }

    /**
     * The Keys console's Replace for a person's key it looked up: the rule of
     * {@link #regenerateKey}, and only while that key is still the person's current one. False
     * when it was replaced meanwhile.
     */
    public boolean replaceLookedUpKey(Actor actor, long targetId, long keyId) {
        return jdbi.inTransaction(h -> {
            User target = person(h, targetId);
            AdminPolicy.requireCanManage(acting(h, actor), target);
            return apiKeys.replaceIfCurrent(h, actor, keyId);
        });
    }

    /** Creates a single-use invitation and returns its secret token (only its digest is stored). */
    public String invite(Actor actor, String rawEmail, Role role) {
        String email = AccountRules.email(rawEmail);
        String token = Tokens.newToken();
        jdbi.useTransaction(h -> {
            User inviter = acting(h, actor);
            AdminPolicy.requireCanInvite(inviter, role);
            if (h.attach(UserDao.class).findByEmail(email).isPresent()) {
                throw new InvalidInputException("An account with this e-mail address already exists.");
            }
            long id = h.attach(PeopleDao.class).insertInvitation(Tokens.sha256(token), email, role.code(), inviter.id(),
                    clock.instant().plus(INVITATION_LIFETIME));
            AuditLog.record(h, AuditEvent.INVITATION_CREATED, actor, null,
                    Map.of("email", email, "role", role.code(), "invitation_id", id));
            String org = OrganizationName.current(h);
            Emails.Email mail = Emails.invitation(org, inviter.fullName(), site + "/invite/" + token);
            outbox.email(h, email, mail.subject(), mail.body());
        });
        return token;
    }

    public void revokeInvitation(Actor actor, long invitationId) {
        jdbi.useTransaction(h -> {
            User acting = acting(h, actor);
            AdminPolicy.requireAdmin(acting);
            PeopleDao people = h.attach(PeopleDao.class);
            Invitation invitation = people.findPending(invitationId)
                    .orElseThrow(() -> new InvalidInputException("No such invitation"));
            AdminPolicy.requireCanInvite(acting, Role.fromCode(invitation.role()));
            people.revoke(invitationId);
            AuditLog.record(h, AuditEvent.INVITATION_REVOKED, actor, null,
                    Map.of("invitation_id", invitationId));
        });
    }

    /** The invitee sets their name and password; the link is used up in the same transaction. */
    public User acceptInvitation(String token, String fullName, String password, String ip) {
        return jdbi.inTransaction(h -> {
            PeopleDao people = h.attach(PeopleDao.class);
            Invitation invitation = usable(h, token);
            // The invitation is only as good as its author's authority now: a removed or demoted
            // administrator's invitations stop working.
            User inviter = invitation.invitedById() == null ? null
                    : h.attach(UserDao.class).findById(invitation.invitedById()).orElse(null);
            try {
                if (inviter == null) throw new AdminPolicy.Refused("The person who sent this invitation is gone.");
                AdminPolicy.requireCanInvite(inviter, Role.fromCode(invitation.role()));
            } catch (AdminPolicy.Refused refused) {
                throw new InvalidInputException("This invitation is no longer valid.");
            }
            if (people.markUsed(invitation.id(), clock.instant()) == 0) throw new InvalidInputException("This invitation is no longer valid.");
            User user = users.createHuman(h, new Actor(null, ip, "invitation"), invitation.email(), fullName,
                    Role.fromCode(invitation.role()), password);
            AuditLog.record(h, AuditEvent.INVITATION_ACCEPTED, Actor.user(user.id(), ip), user.id(),
                    Map.of("invitation_id", invitation.id()));
            return user;
        });
    }

    public Invitation usableInvitation(String token) {
        return jdbi.inTransaction(h -> usable(h, token));
    }

    private Invitation usable(Handle h, String token) {
        if (token == null || token.length() > 100) throw new InvalidInputException("This invitation is no longer valid.");
        return h.attach(PeopleDao.class).findUsable(Tokens.sha256(token), clock.instant())
                .orElseThrow(() -> new InvalidInputException("This invitation is no longer valid."));
    }

    /**
     * The account acting, as it is now rather than when the request began: policy is applied to
     * it inside the transaction. The command line and background work act as nobody here.
     */
    private static User acting(Handle h, Actor actor) {
        Optional<User> user = actor.userId() == null ? Optional.empty() : h.attach(UserDao.class).findById(actor.userId());
        return user.orElseThrow(() -> new AdminPolicy.Refused("Must be an organization administrator"));
    }

    private static User person(Handle h, long id) {
        User user = h.attach(UserDao.class).findById(id).orElseThrow(() -> new InvalidInputException("No such user"));
        if (user.isBot()) throw new InvalidInputException("No such user");
        return user;
    }
}
