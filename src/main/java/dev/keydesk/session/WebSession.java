package dev.keydesk.session;

import dev.keydesk.web.Csrf;
import dev.keydesk.web.LoginRequired;
import dev.keydesk.web.Viewer;
import dev.keydesk.web.WebError;
import dev.keydesk.security.Tokens;
import dev.keydesk.session.Session;
import dev.keydesk.session.SessionStore;
import dev.keydesk.user.User;
import dev.keydesk.user.UserDao;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Ties a browser request to its session: reads the cookie before the route runs, hands the
 * route its user and form token, and starts or ends sessions.
 */
public final class WebSession {
    public static final String SESSION_COOKIE = "keydesk_session";
    /** Form token for visitors who are not signed in (double-submit: cookie and form must agree). */
    static final String ANONYMOUS_CSRF_COOKIE = "keydesk_csrf";
    private static final String SESSION_ATTR = "keydesk.session";
    private static final String USER_ATTR = "keydesk.user";

    private final SessionStore sessions;
    private final Jdbi jdbi;
    private final boolean secureCookies;

    public WebSession(SessionStore sessions, Jdbi jdbi, boolean secureCookies) {
        this.sessions = sessions;
        this.jdbi = jdbi;
        this.secureCookies = secureCookies;
    }

    /** Before every page request: who is this, and which form token belongs to them. */
    public void load(Context ctx) {
        String token = ctx.cookie(SESSION_COOKIE);
        Optional<Session> session = sessions.resolve(token);
        Optional<User> user = session.flatMap(s -> jdbi.withExtension(UserDao.class, dao -> dao.findById(s.userId())));
        if (session.isPresent() && user.isPresent()) {
            if (session.get().lastSeenAt().plus(SessionStore.TOUCH_INTERVAL).isBefore(java.time.Instant.now())) {
                // The idle expiry restarted in the database; let the cookie live as long again.
                ctx.cookie(cookie(SESSION_COOKIE, token, (int) SessionStore.IDLE_EXPIRY.toSeconds()));
            }
            ctx.attribute(SESSION_ATTR, session.get());
            ctx.attribute(USER_ATTR, user.get());
            Viewer.set(ctx, new Viewer(user.get().fullName(), user.get().isAdmin() && !user.get().isBot()));
            Csrf.setToken(ctx, session.get().csrfToken());
            return;
        }
        String anonymous = ctx.cookie(ANONYMOUS_CSRF_COOKIE);
        if (anonymous == null || anonymous.length() != 43) {
            anonymous = Tokens.newToken();
            ctx.cookie(cookie(ANONYMOUS_CSRF_COOKIE, anonymous, -1));
        }
        Csrf.setToken(ctx, anonymous);
    }

    public static Optional<User> user(Context ctx) {
        return Optional.ofNullable(ctx.attribute(USER_ATTR));
    }

    public static Optional<Session> session(Context ctx) {
        return Optional.ofNullable(ctx.attribute(SESSION_ATTR));
    }

    /** The signed-in user; otherwise the request ends with a redirect to the login page. */
    public static User requireUser(Context ctx) {
        return user(ctx).orElseThrow(LoginRequired::new);
    }

    /** The signed-in administrator (or owner); anyone else gets a 403 page. */
    public static User requireAdmin(Context ctx) {
        User user = requireUser(ctx);
        if (!user.isAdmin() || user.isBot()) {
            throw new WebError(403, "This page is for the organization's administrators.");
        }
        return user;
    }

    public static Session requireSession(Context ctx) {
        return session(ctx).orElseThrow(LoginRequired::new);
    }

    public void signIn(Context ctx, long userId) {
        session(ctx).ifPresent(old -> sessions.end(old.id()));
        SessionStore.Started started = sessions.start(userId, ctx.ip(), ctx.userAgent());
        jdbi.useExtension(UserDao.class, dao -> dao.recordLogin(userId));
        ctx.cookie(cookie(SESSION_COOKIE, started.token(), (int) SessionStore.IDLE_EXPIRY.toSeconds()));
        ctx.removeCookie(ANONYMOUS_CSRF_COOKIE, "/");
    }

    public void signOut(Context ctx) {
        session(ctx).ifPresent(s -> sessions.end(s.id()));
        ctx.removeCookie(SESSION_COOKIE, "/");
    }

    private Cookie cookie(String name, String value, int maxAgeSeconds) {
        return new Cookie(name, value, "/", maxAgeSeconds, secureCookies, true, null, SameSite.LAX);
    }
}
