package dev.keydesk;

import dev.keydesk.account.AccountNotices;
import dev.keydesk.api.CrossSiteGuard;
import dev.keydesk.api.MethodOverride;
import dev.keydesk.bot.BotNotices;
import dev.keydesk.factor.FactorNotices;
import dev.keydesk.guard.ServiceNotices;
import dev.keydesk.keyconsole.KeyNotices;
import dev.keydesk.people.PeopleNotices;
import dev.keydesk.setup.SetupNotices;
import dev.keydesk.config.ConfigException;
import dev.keydesk.config.Settings;
import dev.keydesk.db.Database;
import dev.keydesk.guard.ForwardAuthRoutes;
import dev.keydesk.web.ClientAddress;
import dev.keydesk.web.Csrf;
import dev.keydesk.web.Flash;
import dev.keydesk.db.DatabaseAvailability;
import dev.keydesk.web.Layout;
import dev.keydesk.web.ErrorHandling;
import dev.keydesk.web.LogPaths;
import dev.keydesk.web.RequestBodies;
import dev.keydesk.access.RouteAccess;
import dev.keydesk.web.SecurityHeaders;
import dev.keydesk.web.TemplateRenderer;
import dev.keydesk.session.WebSession;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.router.Endpoint;
import io.javalin.security.Roles;
import java.time.Duration;
import io.javalin.http.staticfiles.Location;
import jakarta.servlet.DispatcherType;
import java.util.EnumSet;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One running Keydesk: database, services and HTTP server, wired together and stopped together. */
public final class Keydesk implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Keydesk.class);
    private static final Logger REQUEST_LOG = LoggerFactory.getLogger("keydesk.requests");
    private static final String DATABASE_WORK_BEFORE = "keydesk.database-work-before";

    private final Settings settings;
    private final Services services;
    private Javalin server;

    private Keydesk(Settings settings, Services services) {
        this.settings = settings;
        this.services = services;
    }

    public static Keydesk start(Settings settings) {
        return start(settings, Tuning.standard());
    }

    public static Keydesk start(Settings settings, Tuning tuning) {
        Keydesk keydesk = new Keydesk(settings, Services.open(settings, tuning));
        try {
            keydesk.services.startWorkers();
            keydesk.serve();
            return keydesk;
        } catch (RuntimeException e) {
            keydesk.close();
            throw e;
        }
    }

    private void serve() {
        // Any page shows the pending notice, whichever feature set it: each feature's words are known here.
        Flash.known(AccountNotices.values(), BotNotices.values(), KeyNotices.values(), PeopleNotices.values(),
                ServiceNotices.values(), SetupNotices.values(), FactorNotices.values(),
                dev.keydesk.sso.SsoNotices.values());
        Javalin app = Javalin.create(this::configure);
        List<Route> undeclared = withoutAccess(routes(app));
        if (!undeclared.isEmpty()) {
            // A route nobody said who may call is an open door or a dead end: refuse to serve it.
            throw new IllegalStateException("Routes registered without exactly one RouteAccess: " + undeclared);
        }
        try {
            app.start(settings.bindAddress(), settings.port());
        } catch (RuntimeException e) {
            app.stop();
            throw new ConfigException("Cannot listen on " + settings.bindAddress() + ":" + settings.port()
                    + " (" + ConfigException.rootMessage(e) + "). Is another program using this port? Set KEYDESK_PORT to choose another.", e);
        }
        this.server = app;
        log.info("Keydesk is serving {} (listening on {}:{})", settings.site(), settings.bindAddress(), app.port());
    }

    private void configure(JavalinConfig config) {
        config.startup.showJavalinBanner = false;
        config.fileRenderer(new TemplateRenderer());
        config.http.prefer405over404 = true;
        config.http.maxRequestSize = RequestBodies.MAX_MULTIPART_BYTES;
        config.jetty.multipartConfig.maxFileSize(RequestBodies.MAX_MULTIPART_BYTES, SizeUnit.BYTES);
        config.jetty.multipartConfig.maxTotalRequestSize(RequestBodies.MAX_MULTIPART_BYTES, SizeUnit.BYTES);
        config.jetty.modifyServletContextHandler(handler -> handler.addFilter(new FilterHolder(
                new MethodOverride(RequestBodies.MAX_FORM_BYTES)), "/api/*", EnumSet.of(DispatcherType.REQUEST)));
        config.staticFiles.add(files -> {
            files.hostedPath = "/static";
            files.directory = "/static";
            files.location = Location.CLASSPATH;
            files.roles = Set.of(RouteAccess.ANONYMOUS);
        });
        config.requestLogger.http((ctx, ms) -> {
            REQUEST_LOG.info("{} {} {} {}ms", LogPaths.loggableMethod(ctx.method().name()), LogPaths.loggable(ctx.path()), ctx.statusCode(), Math.round(ms));
            Endpoint endpoint = ctx.endpoints().lastHttpEndpoint();
            long[] before = ctx.attribute(DATABASE_WORK_BEFORE);
            long statements = before == null ? 0 : Database.statementsOnThisThread() - before[0];
            long transactions = before == null ? 0 : Database.transactionsOnThisThread() - before[1];
            services.metrics().recordRequest(endpoint == null ? "unmatched" : endpoint.path, ctx.method().name(),
                    ctx.statusCode(), Duration.ofNanos((long) (ms * 1_000_000)), statements, transactions);
        });

        // Behind a trusted reverse proxy, ctx.ip() is the client's address everywhere (rate limits, audit, devices).
        ClientAddress clientAddress = new ClientAddress(settings.trustedProxies());
        config.contextResolver.ip = clientAddress::of;

        var routes = config.routes;
        WebSession webSession = services.webSession();
        routes.before(ctx -> ctx.attribute(DATABASE_WORK_BEFORE,
                new long[] {Database.statementsOnThisThread(), Database.transactionsOnThisThread()}));
        routes.before(new SecurityHeaders(settings.isHttps())::apply);
        routes.before(ctx -> {
            if (!isForwardAuth(ctx.path())) RequestBodies.check(ctx);
        });
        CrossSiteGuard crossSite = new CrossSiteGuard(settings.externalUrl());
        boolean secureCookies = settings.secureCookies();
        routes.before(ctx -> {
            String path = ctx.path();
            if (path.startsWith("/api/")) {
                crossSite.check(ctx);
            } else if (!isSessionless(path)) {
                Flash.useSecureCookie(ctx, secureCookies);
                webSession.load(ctx);
                Csrf.verify(ctx);
                setOrganization(ctx);
            }
        });
        // Who may call each route, checked once before its handler (each route declares a RouteAccess).
        routes.beforeMatched(new AccessCheck(services.apiAuth(), services.secondFactors(), settings.metricsToken()));
        ErrorHandling.register(routes);

        routes.get("/", ctx -> ctx.redirect(WebSession.user(ctx).isPresent() ? "/account" : "/login", HttpStatus.SEE_OTHER),
                RouteAccess.ANONYMOUS);
        routes.get("/health", ctx -> {
            boolean up = services.database().isReachable();
            ctx.status(up ? 200 : 503).json(Map.of("status", up ? "ok" : "database unreachable"));
        }, RouteAccess.ANONYMOUS);
        // Prometheus' scrape endpoint: the access check answers 404 while no token is configured.
        routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                .result(services.metrics().scrape()), RouteAccess.METRICS_TOKEN);
        services.register(routes);
    }

    /**
     * The organization's name for the page header (from memory, no statement while fresh); none
     * while the database is unreachable, so the pages that still work then (the login form) do.
     */
    private void setOrganization(Context ctx) {
        try {
            Layout.setOrganization(ctx, services.organizationName().find().orElse(null));
        } catch (RuntimeException e) {
            if (!DatabaseAvailability.isUnavailable(e)) throw e;
        }
    }

    /** Static files, avatars and the health check know nobody: they skip the session lookup. */
    private static boolean isSessionless(String path) {
        return path.startsWith("/static/") || path.startsWith("/avatar/") || path.equals("/health")
                || path.equals("/metrics") || isForwardAuth(path);
    }

    /** Asked by reverse proxies, not browsers: no session, no form token, no body to check. */
    private static boolean isForwardAuth(String path) {
        return path.equals(ForwardAuthRoutes.PATH) || path.startsWith(ForwardAuthRoutes.PATH + "/");
    }

    /**
     * With no organization yet, prints the one-time link that opens the setup page. Called once
     * the process can stop cleanly, since whoever reads the link may stop it straight away.
     */
    public void announceSetupLink() {
        services.organizations().issueSetupToken().ifPresent(token -> log.info(
                "No organization exists yet. Open this one-time link to create it and its owner: {}/setup/{}",
                settings.site(), token));
    }

    /**
     * One HTTP route: its method ("GET"), path as registered ("/api/v1/bots/{bot_id}") and who may
     * call it (null when it was registered without exactly one {@link RouteAccess}).
     */
    public record Route(String method, String path, RouteAccess access) {}

    /** Every HTTP endpoint the server has, read from Javalin's router (before/after handlers left out). */
    public List<Route> routes() {
        return routes(server);
    }

    private static List<Route> routes(Javalin app) {
        return app.unsafe.internalRouter.allHttpHandlers().stream()
                .map(e -> e.endpoint)
                .filter(e -> e.method.isHttpMethod())
                .map(e -> {
                    Roles roles = e.metadata(Roles.class);
                    return new Route(e.method.name(), e.path, AccessCheck.declared(roles == null ? null : roles.getRoles()));
                })
                .toList();
    }

    /** The routes nobody declared who may call: the server refuses to start with any. */
    public static List<Route> withoutAccess(List<Route> routes) {
        return routes.stream().filter(r -> r.access() == null).toList();
    }

    public int port() {
        return server.port();
    }

    public Services services() {
        return services;
    }

    /** The database, for tests and the benchmark that inspect rows and count statements. */
    public Database database() {
        return services.database();
    }

    @Override
    public void close() {
        if (server != null) server.stop();
        services.close();
    }

}
