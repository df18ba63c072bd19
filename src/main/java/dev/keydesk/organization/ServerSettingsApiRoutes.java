package dev.keydesk.organization;

import dev.keydesk.access.RouteAccess;
import dev.keydesk.api.ApiRequest;
import dev.keydesk.device.ClientName;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GET /api/v1/server_settings. Needs no authentication and ignores any Authorization header,
 * because the Python bindings call it first with their (possibly wrong) key attached.
 */
public final class ServerSettingsApiRoutes {
    /** The Zulip server release whose key API Keydesk implements. */
    public static final String ZULIP_VERSION = "9.0-keydesk";
    /** Feature level 257 (Zulip 9.0): realm_url; fetch_api_key returns user_id (171). */
    public static final int ZULIP_FEATURE_LEVEL = 257;

    private final OrganizationName organizationName;
    private final String site;
    private final boolean devMode;

    public ServerSettingsApiRoutes(OrganizationName organizationName, String site, boolean devMode) {
        this.organizationName = organizationName;
        this.site = site;
        this.devMode = devMode;
    }

    public void register(RoutesConfig routes) {
        routes.get("/api/v1/server_settings", this::serverSettings, RouteAccess.ANONYMOUS);
        routes.post("/api/v1/server_settings", this::serverSettings, RouteAccess.ANONYMOUS);
    }

    /**
     * Zulip's check_server_incompatibility: the one client a Zulip server deems too old to use it
     * is the one whose User-Agent names itself "ZulipInvalid" (the name as Zulip reads it, before
     * any "/version"). Keydesk keeps Zulip's rule so a client's compatibility check behaves alike.
     */
    static boolean isIncompatible(String userAgent) {
        return userAgent != null && ClientName.fromUserAgent(userAgent).equals("ZulipInvalid");
    }

    private void serverSettings(Context ctx) {
        ApiRequest req = ApiRequest.of(ctx);
        String name = organizationName.get(); // from memory: see OrganizationName
        Map<String, Object> methods = new LinkedHashMap<>();
        methods.put("password", true);
        methods.put("dev", devMode);
        methods.put("email", true);
        methods.put("ldap", false);
        methods.put("remoteuser", false);
        methods.put("github", false);
        methods.put("azuread", false);
        methods.put("gitlab", false);
        methods.put("apple", false);
        methods.put("google", false);
        methods.put("saml", false);
        methods.put("openid connect", false);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("authentication_methods", methods);
        body.put("zulip_version", ZULIP_VERSION);
        body.put("zulip_merge_base", ZULIP_VERSION);
        body.put("zulip_feature_level", ZULIP_FEATURE_LEVEL);
        body.put("push_notifications_enabled", false);
        body.put("is_incompatible", isIncompatible(ctx.userAgent()));
        body.put("email_auth_enabled", true);
        body.put("require_email_format_usernames", true);
        body.put("realm_url", site);
        body.put("realm_uri", site);
        body.put("realm_name", name);
        body.put("realm_icon", site + "/static/keydesk-icon.svg");
        body.put("realm_description", "");
        body.put("realm_web_public_access_enabled", false);
        body.put("external_authentication_methods", List.of());
        ctx.json(req.success(body));
    }
}
