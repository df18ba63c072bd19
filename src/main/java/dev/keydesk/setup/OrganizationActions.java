package dev.keydesk.setup;

import dev.keydesk.organization.OrganizationDao;
import dev.keydesk.organization.Organization;
import dev.keydesk.organization.OrganizationName;
import dev.keydesk.audit.Actor;
import dev.keydesk.audit.AuditEvent;
import dev.keydesk.audit.AuditLog;
import dev.keydesk.errors.InvalidInputException;
import dev.keydesk.security.Tokens;
import dev.keydesk.user.AccountRules;
import dev.keydesk.user.Role;
import dev.keydesk.user.User;
import dev.keydesk.account.AccountActions;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Creating the one organization of a deployment, by setup link or from the command line. */
public final class OrganizationActions {
    public static final int MAX_NAME = 100;

    private final Jdbi jdbi;
    private final AccountActions users;
    private final OrganizationName cachedName;

    public OrganizationActions(Jdbi jdbi, AccountActions users, OrganizationName cachedName) {
        this.jdbi = jdbi;
        this.users = users;
        this.cachedName = cachedName;
    }

    public Optional<Organization> current() {
        return jdbi.withExtension(OrganizationDao.class, OrganizationDao::find);
    }

    /** When no organization exists yet, stores a one-time setup token and returns it (only its digest is kept). */
    public Optional<String> issueSetupToken() {
        return jdbi.inTransaction(h -> {
            OrganizationDao dao = h.attach(OrganizationDao.class);
            if (dao.find().isPresent()) return Optional.empty();
            String token = Tokens.newToken();
            dao.insertSetupToken(Tokens.sha256(token));
            return Optional.of(token);
        });
    }

    public boolean isValidSetupToken(String token) {
        if (token == null || token.length() > 100) return false;
        return jdbi.withExtension(OrganizationDao.class,
                dao -> dao.find().isEmpty() && dao.setupTokenExists(Tokens.sha256(token)));
    }

    /** Uses up the setup link: creates the organization and its owner, and retires every setup link. */
    public User createWithSetupToken(String token, String orgName, String email, String fullName, String password, String ip) {
        User owner = jdbi.inTransaction(h -> {
            OrganizationDao dao = h.attach(OrganizationDao.class);
            if (token == null || !dao.setupTokenExists(Tokens.sha256(token))) {
                throw new InvalidInputException("This setup link is no longer valid.");
            }
            return create(h, new Actor(null, ip, "setup link"), orgName, email, fullName, Role.OWNER, password);
        });
        cachedName.forget(); // after the commit: the next read sees the new organization
        return owner;
    }

    /**
     * Creates a user from the command line, and the organization first if there is none yet.
     * Returns the new user.
     */
    /** An account made on the command line, and the organization's name if making it created the organization. */
    public record CommandLineUser(User user, String createdOrganization) {}

    public CommandLineUser createUserFromCommandLine(String orgName, String email, String fullName, Role role, String password) {
        CommandLineUser created = jdbi.inTransaction(h -> {
            if (h.attach(OrganizationDao.class).find().isPresent()) {
                return new CommandLineUser(users.createHuman(h, Actor.commandLine(), email, fullName, role, password), null);
            }
            return new CommandLineUser(create(h, Actor.commandLine(), orgName, email, fullName, role, password),
                    organizationName(orgName));
        });
        cachedName.forget();
        return created;
    }

    private User create(Handle h, Actor actor, String rawOrgName, String email, String fullName, Role role, String password) {
        String orgName = organizationName(rawOrgName);
        OrganizationDao dao = h.attach(OrganizationDao.class);
        // Serialise concurrent creators: whoever inserts first wins, the other sees the row.
        if (dao.insert(orgName) == 0) {
            throw new InvalidInputException("This setup link is no longer valid.");
        }
        dao.deleteSetupTokens();
        User owner = users.createHuman(h, actor, email, fullName, role, password);
        AuditLog.record(h, AuditEvent.ORGANIZATION_CREATED, new Actor(owner.id(), actor.ip(), actor.via()), null,
                Map.of("name", orgName));
        return owner;
    }

    private static String organizationName(String raw) {
        String name = raw == null ? "" : raw.strip();
        if (name.isEmpty()) throw new InvalidInputException("Enter a name for the organization.");
        if (name.length() > MAX_NAME || AccountRules.hasControlCharacters(name)) {
            throw new InvalidInputException("Organization names are 1 to " + MAX_NAME + " characters, without control characters.");
        }
        return name;
    }
}
