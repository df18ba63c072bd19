package dev.keydesk.sso;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.keydesk.config.Settings;
import dev.keydesk.support.IntegrationTest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ID token's checks, each with a token a real HTTP provider of the test's own answers with
 * (discovery document, keys, token endpoint), signed with Nimbus: what a real provider cannot be
 * made to send (another key's signature, another audience, an expired token) is refused as such.
 */
@IntegrationTest
class OidcClientTest {
    private static final String CLIENT = "keydesk";
    private HttpServer provider;
    private String issuer;
    private RSAKey key;
    private RSAKey otherKey;
    /** What the token endpoint answers for the nonce the client sent; set by each test. */
    private volatile Function<String, String> tokenAnswer;
    private volatile int tokenStatus = 200;

    @BeforeEach
    void start() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("provider-key").generate();
        otherKey = new RSAKeyGenerator(2048).keyID("provider-key").generate(); // same key id, other key
        provider = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        issuer = "http://127.0.0.1:" + provider.getAddress().getPort() + "/realm";
        provider.createContext("/realm/.well-known/openid-configuration", exchange -> answer(exchange, 200, """
                {"issuer": "%1$s", "authorization_endpoint": "%1$s/auth", "token_endpoint": "%1$s/token",
                 "jwks_uri": "%1$s/keys", "response_types_supported": ["code"], "subject_types_supported": ["public"],
                 "id_token_signing_alg_values_supported": ["RS256"]}""".formatted(issuer)));
        provider.createContext("/realm/keys", exchange -> answer(exchange, 200, new JWKSet(key.toPublicJWK()).toString()));
        provider.createContext("/realm/token", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            answer(exchange, tokenStatus, tokenStatus != 200 ? "{\"error\": \"invalid_grant\"}"
                    : "{\"access_token\": \"at\", \"token_type\": \"Bearer\", \"expires_in\": 300, \"id_token\": \""
                    + tokenAnswer.apply(body) + "\"}");
        });
        provider.start();
    }

    @AfterEach
    void stop() {
        provider.stop(0);
    }

    private static void answer(com.sun.net.httpserver.HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private OidcClient client() {
        return new OidcClient(new Settings.Oidc(URI.create(issuer), CLIENT, "secret", "Log in", List.of("example.com"), null),
                URI.create("http://localhost:7070/login/oidc/callback"), Clock.systemUTC());
    }

    private JWTClaimsSet.Builder claims(String nonce) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer(issuer).subject("user-1").audience(CLIENT)
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300)))
                .claim("nonce", nonce).claim("email", "ada@example.com").claim("email_verified", true)
                .claim("groups", List.of("staff"));
    }

    private static String signed(RSAKey with, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(with.getKeyID()).build(), claims);
            jwt.sign(new RSASSASigner(with));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts a sign-in, lets the token endpoint answer with {@code token(nonce)}, and finishes it. */
    private OidcClient.Identity signIn(Function<String, String> token) throws SsoRefused {
        OidcClient client = client();
        OidcClient.Started started = client.start();
        tokenAnswer = body -> token.apply(started.nonce());
        return client.finish("the-code", null, started.nonce(), started.codeVerifier());
    }

    private SsoRefusal refusalFor(Function<String, String> token) {
        return assertThrows(SsoRefused.class, () -> signIn(token)).refusal();
    }

    @Test
    void aGoodTokenGivesTheIdentity() throws Exception {
        OidcClient.Identity identity = signIn(nonce -> signed(key, claims(nonce).build()));
        assertEquals(issuer, identity.issuer());
        assertEquals("user-1", identity.subject());
        assertEquals("ada@example.com", identity.email());
        assertEquals(true, identity.emailVerified());
        assertEquals(List.of("staff"), identity.groups());
    }

    @Test
    void eachDefectOfTheTokenIsRefusedForWhatItIs() {
        assertEquals(SsoRefusal.BAD_SIGNATURE, refusalFor(nonce -> signed(otherKey, claims(nonce).build())));
        assertEquals(SsoRefusal.BAD_SIGNATURE, refusalFor(nonce -> new PlainJWT(claims(nonce).build()).serialize()));
        assertEquals(SsoRefusal.WRONG_AUDIENCE, refusalFor(nonce -> signed(key, claims(nonce).audience("another-app").build())));
        assertEquals(SsoRefusal.WRONG_ISSUER, refusalFor(nonce -> signed(key, claims(nonce).issuer("https://evil.example").build())));
        assertEquals(SsoRefusal.EXPIRED, refusalFor(nonce -> signed(key, claims(nonce)
                .expirationTime(Date.from(Instant.now().minusSeconds(600))).build())));
        assertEquals(SsoRefusal.NONCE_MISMATCH, refusalFor(nonce -> signed(key, claims("another-nonce").build())));
    }

    @Test
    void aCodeTheProviderRefusesAndAProviderGoneAwayAreToldApart() {
        tokenStatus = 400;
        assertEquals(SsoRefusal.CODE_REFUSED, refusalFor(nonce -> "unused"));
        tokenStatus = 200;
        OidcClient client = client();
        OidcClient.Started started = assertDoesNotThrow(client::start);
        provider.stop(0);
        SsoRefused refused = assertThrows(SsoRefused.class,
                () -> client.finish("the-code", null, started.nonce(), started.codeVerifier()));
        assertEquals(SsoRefusal.UNREACHABLE, refused.refusal());
    }

    @Test
    void anAnswerNamingAnotherIssuerIsRefusedBeforeTheCodeIsRedeemed() throws Exception {
        OidcClient client = client();
        OidcClient.Started started = client.start();
        tokenAnswer = body -> {
            throw new AssertionError("the code must not be redeemed");
        };
        SsoRefused refused = assertThrows(SsoRefused.class,
                () -> client.finish("the-code", "https://evil.example", started.nonce(), started.codeVerifier()));
        assertEquals(SsoRefusal.WRONG_ISSUER, refused.refusal());
    }

    private static <T> T assertDoesNotThrow(org.junit.jupiter.api.function.ThrowingSupplier<T> supplier) {
        return org.junit.jupiter.api.Assertions.assertDoesNotThrow(supplier);
    }
}
