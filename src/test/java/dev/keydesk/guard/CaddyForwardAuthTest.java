package dev.keydesk.guard;

import dev.keydesk.support.Caddy;
import dev.keydesk.support.IntegrationTest;
import dev.keydesk.support.ProxyProcess;

/**
 * The Caddy recipe of docs/running.md ({@code forward_auth} with the service token and {@code copy_headers}),
 * run by Debian's Caddy in front of an upstream that echoes what it receives, asking a real
 * Keydesk: the cases every recipe must pass.
 */
@IntegrationTest
class CaddyForwardAuthTest extends ProxyRecipeCases {
    @Override
    protected boolean proxyInstalled() {
        return Caddy.isInstalled();
    }

    @Override
    protected ProxyProcess startRecipe(int keydeskPort, String serviceToken) throws Exception {
        // On loopback and plain HTTP: the test's Caddy asks for no certificate.
        return Caddy.start(substitute(docsRecipe("Caddy", "caddyfile"),
                "grafana.example.com {", "http://127.0.0.1:{PORT} {",
                "127.0.0.1:7070", "127.0.0.1:" + keydeskPort,
                "kdsvc_your_service_token", serviceToken,
                "127.0.0.1:3000", "127.0.0.1:" + upstream.port()));
    }
}
