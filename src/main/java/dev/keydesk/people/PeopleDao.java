package dev.keydesk.people;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.GetGeneratedKeys;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

@RegisterConstructorMapper(Invitation.class)
public interface PeopleDao {
    /** Active bots owned by this person and by no other active person. */
    @SqlQuery("""
            SELECT b.id FROM users b JOIN bot_owners o ON o.bot_id = b.id AND o.owner_id = :ownerId
            WHERE b.is_active AND NOT EXISTS (
                SELECT 1 FROM bot_owners o2 JOIN users u ON u.id = o2.owner_id
                WHERE o2.bot_id = b.id AND o2.owner_id <> :ownerId AND u.is_active)""")
    List<Long> botsLeftWithoutActiveOwner(@Bind("ownerId") long ownerId);

    @SqlQuery("SELECT count(*) FROM users WHERE role = 100 AND is_active AND NOT is_bot")
    long activeOwners();

    @SqlUpdate("UPDATE users SET role = :role WHERE id = :id AND NOT is_bot")
    void updateRole(@Bind("id") long id, @Bind("role") int role);

    /** Serialises role and activation changes, so two admins cannot demote the last two owners at once. */
    @SqlQuery("SELECT pg_advisory_xact_lock(hashtext('keydesk:owners'))")
    String lockOwners();

    @SqlUpdate("""
            INSERT INTO invitations (token_digest, email, role, invited_by, expires_at)
            VALUES (:digest, :email, :role, :invitedBy, :expiresAt)""")
    @GetGeneratedKeys("id")
    long insertInvitation(@Bind("digest") byte[] digest, @Bind("email") String email, @Bind("role") int role,
                          @Bind("invitedBy") long invitedBy, @Bind("expiresAt") Instant expiresAt);

    @SqlQuery("""
            SELECT i.id, i.email, i.role, i.created_at, i.expires_at, u.email AS invited_by, i.invited_by AS invited_by_id
            FROM invitations i LEFT JOIN users u ON u.id = i.invited_by
            WHERE i.used_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > :now
            ORDER BY i.created_at DESC LIMIT :limit""")
    List<Invitation> pendingInvitations(@Bind("limit") int limit, @Bind("now") Instant now);

    @SqlQuery("SELECT count(*) FROM invitations WHERE used_at IS NULL AND revoked_at IS NULL AND expires_at > :now")
    long countPendingInvitations(@Bind("now") Instant now);

    @SqlQuery("""
            SELECT i.id, i.email, i.role, i.created_at, i.expires_at, u.email AS invited_by, i.invited_by AS invited_by_id
            FROM invitations i LEFT JOIN users u ON u.id = i.invited_by
            WHERE i.token_digest = :digest AND i.used_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > :now""")
    Optional<Invitation> findUsable(@Bind("digest") byte[] digest, @Bind("now") Instant now);

    /** Uses the invitation up; 0 when someone else used it first (or it expired meanwhile). */
    @SqlUpdate("""
            UPDATE invitations SET used_at = :now
            WHERE id = :id AND used_at IS NULL AND revoked_at IS NULL AND expires_at > :now""")
    int markUsed(@Bind("id") long id, @Bind("now") Instant now);

    @SqlQuery("""
            SELECT i.id, i.email, i.role, i.created_at, i.expires_at, u.email AS invited_by, i.invited_by AS invited_by_id
            FROM invitations i LEFT JOIN users u ON u.id = i.invited_by
            WHERE i.id = :id AND i.used_at IS NULL AND i.revoked_at IS NULL""")
    Optional<Invitation> findPending(@Bind("id") long id);

    @SqlUpdate("UPDATE invitations SET revoked_at = now() WHERE id = :id AND used_at IS NULL AND revoked_at IS NULL")
    int revoke(@Bind("id") long id);
}
