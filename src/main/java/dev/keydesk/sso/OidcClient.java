package dev.keydesk.sso;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWT;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.GeneralException;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.Prompt;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import dev.keydesk.config.Settings;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The protocol side of single sign-on, all of it through the Nimbus SDK: the provider's discovery
 * document (fetched when first needed, so a provider that is down at startup costs nothing but
 * its button), the authorization request with PKCE, state and nonce, the token request and the
 * ID token's checks (signature against the provider's published keys, issuer, audience, expiry,
 * nonce).
 */
public final class OidcClient {
    /** Scopes asked of every provider: the subject, the e-mail address and whether it is verified, the name. */
    public static final Scope SCOPES = new Scope("openid", "email", "profile");
    private static final int CONNECT_TIMEOUT_MS = 5_000;
    private static final int READ_TIMEOUT_MS = 10_000;
    /** Discovery documents rarely change; the keys' own cache (inside the validator) follows key rotation. */
    private static final Duration METADATA_LIFETIME = Duration.ofHours(1);

    private final Settings.Oidc settings;
    private final URI redirectUri;
    private final Clock clock;
    private volatile Provider provider;

    /** The provider as discovered, with the validator that holds its keys. */
    private record Provider(OIDCProviderMetadata metadata, IDTokenValidator validator, Instant fetchedAt) {}

    /** What Keydesk keeps of a trusted ID token. */
    public record Identity(String issuer, String subject, String email, boolean emailVerified, String name,
                           List<String> groups, Instant authTime) {}

    /** A sign-in about to be sent to the provider: what to keep for the answer, and where to send the browser. */
    public record Started(String state, String nonce, String codeVerifier, URI authorizationUri) {}

    public OidcClient(Settings.Oidc settings, URI redirectUri, Clock clock) {
        this.settings = settings;
        this.redirectUri = redirectUri;
        this.clock = clock;
    }

    public String buttonLabel() {
        return settings.buttonLabel();
    }

    public String issuer() {
        return settings.issuer().toString();
    }

    public Started start() throws SsoRefused {
        return start(false);
    }

    /**
     * {@code fresh}: the provider must ask for the person's credentials now, even within its own
     * session ({@code prompt=login}, {@code max_age=0}), and says when it did in the ID token's
     * {@code auth_time}, which the caller checks.
     */
    public Started start(boolean fresh) throws SsoRefused {
        OIDCProviderMetadata metadata = provider().metadata();
        State state = new State();
        Nonce nonce = new Nonce();
        CodeVerifier verifier = new CodeVerifier();
        AuthenticationRequest.Builder request = new AuthenticationRequest.Builder(ResponseType.CODE, SCOPES,
                new ClientID(settings.clientId()), redirectUri)
                .endpointURI(metadata.getAuthorizationEndpointURI())
                .state(state)
                .nonce(nonce)
                .codeChallenge(verifier, CodeChallengeMethod.S256);
        if (fresh) request.prompt(new Prompt(Prompt.Type.LOGIN)).maxAge(0);
        URI uri = request.build().toURI();
        return new Started(state.getValue(), nonce.getValue(), verifier.getValue(), uri);
    }

    /**
     * Redeems the code at the provider's token endpoint and checks the ID token it answers with.
     * {@code responseIssuer}: the {@code iss} parameter of the answer (RFC 9207), when the provider sends one.
     */
    public Identity finish(String code, String responseIssuer, String nonce, String codeVerifier) throws SsoRefused {
        Provider p = provider();
        if (responseIssuer != null && !responseIssuer.equals(p.metadata().getIssuer().getValue())) {
            throw new SsoRefused(SsoRefusal.WRONG_ISSUER, "the answer names " + responseIssuer);
        }
        TokenRequest request = new TokenRequest(p.metadata().getTokenEndpointURI(),
                new ClientSecretBasic(new ClientID(settings.clientId()), new Secret(settings.clientSecret())),
                new AuthorizationCodeGrant(new AuthorizationCode(code), redirectUri, new CodeVerifier(codeVerifier)));
        HTTPRequest http = request.toHTTPRequest();
        http.setConnectTimeout(CONNECT_TIMEOUT_MS);
        http.setReadTimeout(READ_TIMEOUT_MS);
        TokenResponse response;
        try {
            response = OIDCTokenResponseParser.parse(http.send());
        } catch (IOException e) {
            throw new SsoRefused(SsoRefusal.UNREACHABLE, "token endpoint: " + e.getMessage());
        } catch (ParseException e) {
            throw new SsoRefused(SsoRefusal.UNREACHABLE, "token endpoint answered: " + e.getMessage());
        }
        if (response instanceof TokenErrorResponse error) {
            ErrorObject why = error.getErrorObject();
            // invalid_grant: the code was used already, has expired, or does not go with the PKCE verifier.
            throw new SsoRefused(SsoRefusal.CODE_REFUSED, why.getCode() + (why.getDescription() == null ? ""
                    : " (" + why.getDescription() + ")"));
        }
        JWT idToken = ((OIDCTokenResponse) response.toSuccessResponse()).getOIDCTokens().getIDToken();
        if (idToken == null) throw new SsoRefused(SsoRefusal.INVALID_TOKEN, "no ID token in the answer");
        IDTokenClaimsSet claims;
        try {
            claims = p.validator().validate(idToken, new Nonce(nonce));
        } catch (BadJOSEException e) {
            throw new SsoRefused(classify(e.getMessage()), e.getMessage());
        } catch (JOSEException e) {
            // The keys could not be fetched or used.
            throw new SsoRefused(SsoRefusal.UNREACHABLE, "keys: " + e.getMessage());
        }
        String email = claims.getStringClaim("email");
        Boolean verified = claims.getBooleanClaim("email_verified");
        String name = claims.getStringClaim("name");
        List<String> groups = claims.getStringListClaim("groups"); // null when absent or not a list of strings
        java.util.Date authTime = claims.getAuthenticationTime();
        return new Identity(claims.getIssuer().getValue(), claims.getSubject().getValue(),
                email == null ? null : email.trim(), Boolean.TRUE.equals(verified), name, groups == null ? List.of() : groups,
                authTime == null ? null : authTime.toInstant());
    }

    /** The refusal for Nimbus' reason of rejecting an ID token (its messages name the failed check). */
    static SsoRefusal classify(String message) {
        String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
        if (m.contains("nonce")) return SsoRefusal.NONCE_MISMATCH;
        if (m.contains("expired")) return SsoRefusal.EXPIRED;
        if (m.contains("audience")) return SsoRefusal.WRONG_AUDIENCE;
        if (m.contains("issuer")) return SsoRefusal.WRONG_ISSUER;
        if (m.contains("signature") || m.contains("signed") || m.contains("no matching key") || m.contains("algorithm")
                || m.contains("unsigned") || m.contains("plain")) {
            return SsoRefusal.BAD_SIGNATURE;
        }
        return SsoRefusal.INVALID_TOKEN;
    }

    private Provider provider() throws SsoRefused {
        Provider known = provider;
        if (known != null && known.fetchedAt().plus(METADATA_LIFETIME).isAfter(clock.instant())) return known;
        try {
            OIDCProviderMetadata metadata = OIDCProviderMetadata.resolve(new Issuer(settings.issuer().toString()),
                    CONNECT_TIMEOUT_MS, READ_TIMEOUT_MS);
            JWSAlgorithm algorithm = metadata.getIDTokenJWSAlgs() == null || metadata.getIDTokenJWSAlgs().isEmpty()
                    || metadata.getIDTokenJWSAlgs().contains(JWSAlgorithm.RS256) ? JWSAlgorithm.RS256
                    : metadata.getIDTokenJWSAlgs().get(0);
            IDTokenValidator validator = new IDTokenValidator(metadata.getIssuer(), new ClientID(settings.clientId()),
                    algorithm, metadata.getJWKSetURI().toURL(),
                    new DefaultResourceRetriever(CONNECT_TIMEOUT_MS, READ_TIMEOUT_MS, 512 * 1024));
            Provider fresh = new Provider(metadata, validator, clock.instant());
            provider = fresh;
            return fresh;
        } catch (GeneralException | IOException | RuntimeException e) {
            // A document fetched before is better than none while the provider is briefly away.
            if (known != null) return known;
            throw new SsoRefused(SsoRefusal.UNREACHABLE, "discovery: " + e.getMessage());
        }
    }
}
