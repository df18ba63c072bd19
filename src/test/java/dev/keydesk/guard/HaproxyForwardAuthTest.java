package dev.keydesk.guard;

import dev.keydesk.support.Haproxy;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.ProxyProcess;
import java.util.Map;

/**
 * The HAProxy recipe of docs/running.md (its Lua action, which asks Keydesk through HAProxy's own
 * HTTP client, and the configuration that loads it), run by Debian's HAProxy in front of an
 * upstream that echoes what it receives, asking a real Keydesk: the cases every recipe must pass.
 */
@IntegrationTest
class HaproxyForwardAuthTest extends ProxyRecipeCases {
    @Override
    protected boolean proxyInstalled() {
        return Haproxy.isInstalled();
    }

    @Override
    protected ProxyProcess startRecipe(int keydeskPort, String serviceToken) throws Exception {
        return Haproxy.start(substitute(docsRecipe("HAProxy", "haproxy"),
                        "/etc/haproxy/keydesk.lua", "{DIR}/keydesk.lua",
                        "bind :80", "bind 127.0.0.1:{PORT}",
                        "127.0.0.1:7070", "127.0.0.1:" + keydeskPort,
                        "kdsvc_your_service_token", serviceToken,
                        "127.0.0.1:3000", "127.0.0.1:" + upstream.port()),
                Map.of("keydesk.lua", docsRecipe("HAProxy", "lua")));
    }
}
