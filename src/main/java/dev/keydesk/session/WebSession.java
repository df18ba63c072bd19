package dev.keydesk.session;

import dev.keydesk.web.Csrf;
import dev.keydesk.web.LoginRequired;
import dev.keydesk.access.RouteAccess;
import dev.keydesk.audit.Actor;
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
    private static final String POLICY_ATTR = "keydesk.second-factor-policy";
    /** Set only by {@link #authorize}: the person a page route declared it needs, checked. */
    private static final String CALLER_ATTR = "keydesk.caller";

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
        Optional<SessionStore.SignedIn> signedIn = sessions.resolve(token);
        if (signedIn.isPresent()) {
            Session session = signedIn.get().session();
            User user = signedIn.get().user();
            if (sessions.touchedOnResolve(session)) {
                // The idle expiry restarted in the database; let the cookie live as long again.
                ctx.cookie(cookie(SESSION_COOKIE, token, (int) SessionStore.IDLE_EXPIRY.toSeconds()));
            }
            ctx.attribute(SESSION_ATTR, session);
            ctx.attribute(USER_ATTR, user);
            ctx.attribute(POLICY_ATTR, signedIn.get().secondFactorPolicy());
            Viewer.set(ctx, new Viewer(user.fullName(), user.isAdmin() && !user.isBot(), user.isOwner() && !user.isBot()));
            Csrf.setToken(ctx, session.csrfToken());
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

    /**
     * The owners' second-factor policy as stored, read with the session so that the access check
     * needs no statement of its own; empty without a session.
     */
    public static Optional<String> secondFactorPolicy(Context ctx) {
        return Optional.ofNullable(ctx.attribute(POLICY_ATTR));
    }

    public static Optional<Session> session(Context ctx) {
        return Optional.ofNullable(ctx.attribute(SESSION_ATTR));
    }

    /**
     * The access check for page routes, run before the handler: a visitor without a session is
     * sent to the login page, a person below the route's role gets a 403 page. The person is kept
     * for {@link #caller}.
     */
    public static User authorize(Context ctx, RouteAccess access) {
        User user = user(ctx).orElseThrow(LoginRequired::new);
        if (access != RouteAccess.SIGNED_IN && (!user.isAdmin() || user.isBot())) {
            throw new WebError(403, "This page is for the organization's administrators.");
        }
        if (access == RouteAccess.OWNER && !user.isOwner()) {
            throw new WebError(403, "Only the organization's owners may do this.");
        }
        ctx.attribute(CALLER_ATTR, user);
        return user;
    }

    /**
     * The signed-in person of a route registered for {@link RouteAccess#SIGNED_IN}, ADMIN or OWNER,
     * as the access check loaded and checked them. On any other route this is a bug: a route open to
     * anyone must not act for whoever happens to be signed in without saying so.
     */
    public static User caller(Context ctx) {
        User user = ctx.attribute(CALLER_ATTR);
        if (user == null) throw new IllegalStateException("The route was not registered for a signed-in person");
        return user;
    }

    /** The signed-in person as the one acting, for actions and their audit rows; the same rule as {@link #caller}. */
    public static Actor actor(Context ctx) {
        return Actor.user(caller(ctx).id(), ctx.ip());
    }

    public static Session requireSession(Context ctx) {
        return session(ctx).orElseThrow(LoginRequired::new);
    }

    public void signIn(Context ctx, long userId) {
        session(ctx).ifPresent(old -> sessions.end(old.id()));
        SessionStore.Started started = sessions.start(userId, ctx.ip(), ctx.userAgent());
        jdbi.useExtension(UserDao.class, dao -> dao.recordLogin(userId, started.session().lastSeenAt()));
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
