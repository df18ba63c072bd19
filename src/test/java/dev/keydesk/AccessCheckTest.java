package dev.keydesk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.support.Http;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.web.WebError;
import io.javalin.Javalin;
import io.javalin.security.RouteRole;
import org.junit.jupiter.api.Test;

/**
 * The access check refuses a route that declares no role, or more than one, or a role of another
 * kind, even when such a route reaches the router (startup refuses to serve one; this is the
 * second lock).
 */
@IntegrationTest
class AccessCheckTest {
    private enum OtherRole implements RouteRole { SOMEONE }

    @Test
    void aRouteWithoutExactlyOneRouteAccessIsRefused() {
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.routes.beforeMatched(new AccessCheck(null, null, null));
            config.routes.exception(WebError.class, (e, ctx) -> ctx.status(e.status()).result(e.getMessage()));
            config.routes.get("/open", ctx -> ctx.result("open"), RouteAccess.ANONYMOUS);
            config.routes.get("/planted", ctx -> ctx.result("reached"));
            config.routes.get("/two", ctx -> ctx.result("reached"), RouteAccess.ANONYMOUS, RouteAccess.ADMIN);
            config.routes.get("/other", ctx -> ctx.result("reached"), OtherRole.SOMEONE);
        });
        try {
            app.start("127.0.0.1", 0);
            String base = "http://127.0.0.1:" + app.port();
            assertEquals(200, Http.get(base + "/open", null).status());
            for (String path : new String[] {"/planted", "/two", "/other"}) {
                Http.Response r = Http.get(base + path, null);
                assertEquals(403, r.status(), path);
                assertEquals("This address is not open to anyone.", r.body(), path);
            }
        } finally {
            app.stop();
        }
    }
}
