package dev.keydesk.factor;

import dev.keydesk.security.Tokens;
import dev.keydesk.user.User;
import dev.keydesk.user.UserDao;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The state between a right password and the second step of signing in. It is not a session:
 * its cookie has a name and path of its own ({@code /login}), is sent to no other page, and
 * names only whom the code is for, so someone who knows the password alone opens nothing. It
 * lasts a few minutes and ends with the second step.
 */
public final class PendingSignIns {
    public static final String COOKIE = "keydesk_pending_sign_in";
    public static final Duration LIFETIME = Duration.ofMinutes(5);
    private static final String PATH = "/login";

    /** Whom the code is for (an active account), and where to go once it is right. */
    public record Pending(byte[] digest, User user, String next) {}

    private final Jdbi jdbi;
    private final Clock clock;
    private final boolean secureCookies;

    public PendingSignIns(Jdbi jdbi, Clock clock, boolean secureCookies) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.secureCookies = secureCookies;
    }

    public void start(Context ctx, long userId, String next) {
        String token = Tokens.newToken();
        jdbi.useTransaction(h -> {
            // Expired rows go here rather than in a job of their own: each lives only minutes.
            h.createUpdate("DELETE FROM pending_sign_ins WHERE expires_at < :now").bind("now", clock.instant()).execute();
            h.createUpdate("""
                            INSERT INTO pending_sign_ins (token_digest, user_id, next_path, expires_at)
                            VALUES (:digest, :user, :next, :expires)""")
                    .bind("digest", Tokens.sha256(token)).bind("user", userId).bind("next", next)
                    .bind("expires", clock.instant().plus(LIFETIME))
                    .execute();
        });
        ctx.cookie(new Cookie(COOKIE, token, PATH, (int) LIFETIME.toSeconds(), secureCookies, true, null, SameSite.LAX));
    }

    public Optional<Pending> resolve(Context ctx) {
        String token = ctx.cookie(COOKIE);
        if (token == null || token.isEmpty() || token.length() > 100) return Optional.empty();
        byte[] digest = Tokens.sha256(token);
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT user_id, next_path FROM pending_sign_ins WHERE token_digest = :digest AND expires_at > :now""")
                .bind("digest", digest).bind("now", clock.instant())
                .map((rs, c) -> Map.entry(rs.getLong(1), rs.getString(2)))
                .findOne()
                .flatMap(row -> h.attach(UserDao.class).findById(row.getKey()).filter(User::isActive)
                        .map(user -> new Pending(digest, user, row.getValue()))));
    }

    public void finish(Context ctx, Pending pending) {
        jdbi.useHandle(h -> h.createUpdate("DELETE FROM pending_sign_ins WHERE token_digest = :digest")
                .bind("digest", pending.digest()).execute());
        ctx.removeCookie(COOKIE, PATH);
    }
}
