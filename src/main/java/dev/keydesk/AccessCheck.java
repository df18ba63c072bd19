package dev.keydesk;

import dev.keydesk.apikey.ApiAuth;
import dev.keydesk.factor.SecondFactorActions;
import dev.keydesk.factor.SignInSecurityRoutes;
import dev.keydesk.user.User;
import dev.keydesk.security.Tokens;
import dev.keydesk.session.WebSession;
import dev.keydesk.access.RouteAccess;
import dev.keydesk.web.WebError;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpStatus;
import io.javalin.http.NotFoundResponse;
import io.javalin.security.RouteRole;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that decides who may call a route, before its handler runs: it reads the
 * {@link RouteAccess} the route was registered with, loads and checks the caller, and keeps them
 * on the request for the handler. A route without exactly one role is refused (and startup
 * already refuses to serve one, see {@link Keydesk}).
 */
final class AccessCheck implements Handler {
    private static final Logger log = LoggerFactory.getLogger(AccessCheck.class);

    private final ApiAuth apiAuth;
    private final SecondFactorActions secondFactors;
    private final String metricsToken;

    AccessCheck(ApiAuth apiAuth, SecondFactorActions secondFactors, String metricsToken) {
        this.apiAuth = apiAuth;
        this.secondFactors = secondFactors;
        this.metricsToken = metricsToken;
    }

    @Override
    public void handle(Context ctx) {
        RouteAccess access = declared(ctx.routeRoles());
        if (access == null) {
            log.error("{} {} was registered without exactly one RouteAccess ({}): refused", ctx.method(), ctx.path(),
                    ctx.routeRoles());
            throw new WebError(403, "This address is not open to anyone.");
        }
        switch (access) {
            case ANONYMOUS, SERVICE_TOKEN -> { } // the service token is the verifier's to check: it answers for it
            case SIGNED_IN, ADMIN, OWNER -> requireSecondFactorSetUp(ctx, WebSession.authorize(ctx, access));
            case API_KEY, API_MEMBER_OR_ADMIN, API_ADMIN -> apiAuth.authorize(ctx, access);
            case METRICS_TOKEN -> checkMetricsToken(ctx);
        }
    }

    /**
     * The owners' second-factor policy, enforced here for every page: a person it covers who has
     * no second factor yet is sent to set one up, and no other page opens until it is done.
     */
    private void requireSecondFactorSetUp(Context ctx, User user) {
        if (SignInSecurityRoutes.SETUP_PATHS.contains(ctx.path())
                || !secondFactors.mustSetUp(user, WebSession.secondFactorPolicy(ctx).orElse(null))) return;
        ctx.redirect(SignInSecurityRoutes.PAGE, HttpStatus.SEE_OTHER);
        ctx.skipRemainingHandlers();
    }

    /** The route's one RouteAccess, or null when it has none, several, or a role of another kind. */
    static RouteAccess declared(Set<? extends RouteRole> roles) {
        if (roles == null || roles.size() != 1) return null;
        return roles.iterator().next() instanceof RouteAccess access ? access : null;
    }

    /**
     * Prometheus' scrape endpoint: off (404) unless KEYDESK_METRICS_TOKEN is set, and then only
     * for a request that presents it as a Bearer token.
     */
    private void checkMetricsToken(Context ctx) {
        if (metricsToken == null) throw new NotFoundResponse();
        String presented = ctx.header("Authorization");
        if (!Tokens.constantTimeEquals("Bearer " + metricsToken, presented == null ? "" : presented.strip())) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"keydesk-metrics\"");
            ctx.status(401).result("A metrics token is required.\n");
            ctx.skipRemainingHandlers();
        }
    }
}
