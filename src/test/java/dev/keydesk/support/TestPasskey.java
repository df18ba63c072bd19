package dev.keydesk.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.webauthn4j.converter.AttestationObjectConverter;
import com.webauthn4j.converter.AuthenticatorDataConverter;
import com.webauthn4j.converter.util.ObjectConverter;
import com.webauthn4j.data.attestation.AttestationObject;
import com.webauthn4j.data.attestation.authenticator.AAGUID;
import com.webauthn4j.data.attestation.authenticator.AttestedCredentialData;
import com.webauthn4j.data.attestation.authenticator.AuthenticatorData;
import com.webauthn4j.data.attestation.authenticator.EC2COSEKey;
import com.webauthn4j.data.attestation.statement.COSEAlgorithmIdentifier;
import com.webauthn4j.data.attestation.statement.NoneAttestationStatement;
import com.webauthn4j.data.extension.authenticator.RegistrationExtensionAuthenticatorOutput;
import com.webauthn4j.data.extension.authenticator.AuthenticationExtensionAuthenticatorOutput;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A software authenticator for tests that speak HTTP without a browser: one P-256 credential that
 * answers Keydesk's options the way a browser and an authenticator together would (client data,
 * authenticator data, "none" attestation, ES256 signatures), with webauthn4j's own encoders. Its
 * counter, origin and challenge can be set wrong on purpose.
 */
public final class TestPasskey {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectConverter CONVERTER = new ObjectConverter();
    private static final byte FLAGS_UP_UV = (byte) (AuthenticatorData.BIT_UP | AuthenticatorData.BIT_UV);

    private final KeyPair keys;
    private final byte[] credentialId = new byte[32];
    private byte[] userHandle;
    /** The counter the next assertion carries (each assertion adds one first). */
    public long signCount;

    public TestPasskey() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            keys = generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        new SecureRandom().nextBytes(credentialId);
    }

    public static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError("Not JSON: " + json, e);
        }
    }

    /** The answer to creation options ({@code navigator.credentials.create}) from {@code origin}. */
    public String register(String optionsJson, String origin) {
        JsonNode options = parse(optionsJson);
        userHandle = b64d(options.path("user").path("id").asText());
        String rpId = options.path("rp").path("id").asText();
        byte[] clientData = clientData("webauthn.create", options.path("challenge").asText(), origin);
        AttestedCredentialData credential = new AttestedCredentialData(AAGUID.ZERO, credentialId,
                EC2COSEKey.create((ECPublicKey) keys.getPublic(), COSEAlgorithmIdentifier.ES256));
        AuthenticatorData<RegistrationExtensionAuthenticatorOutput> data = new AuthenticatorData<>(sha256(rpId.getBytes(StandardCharsets.UTF_8)),
                (byte) (FLAGS_UP_UV | AuthenticatorData.BIT_AT), signCount, credential);
        byte[] attestation = new AttestationObjectConverter(CONVERTER).convertToBytes(new AttestationObject(data, new NoneAttestationStatement()));
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("clientDataJSON", b64(clientData));
        response.put("attestationObject", b64(attestation));
        response.put("transports", List.of("internal"));
        return credentialJson(response);
    }

    /** The answer to request options ({@code navigator.credentials.get}) from {@code origin}, the counter one higher. */
    public String sign(String optionsJson, String origin) {
        JsonNode options = parse(optionsJson);
        return sign(options.path("challenge").asText(), options.path("rpId").asText(), origin, ++signCount);
    }

    /** An assertion over any challenge, RP ID, origin and counter: for answers that must be refused. */
    public String sign(String challenge, String rpId, String origin, long count) {
        byte[] clientData = clientData("webauthn.get", challenge, origin);
        byte[] authenticatorData = new AuthenticatorDataConverter(CONVERTER).convert(
                new AuthenticatorData<AuthenticationExtensionAuthenticatorOutput>(sha256(rpId.getBytes(StandardCharsets.UTF_8)), FLAGS_UP_UV, count));
        ByteArrayOutputStream signed = new ByteArrayOutputStream();
        signed.writeBytes(authenticatorData);
        signed.writeBytes(sha256(clientData));
        byte[] signature;
        try {
            Signature ecdsa = Signature.getInstance("SHA256withECDSA");
            ecdsa.initSign(keys.getPrivate());
            ecdsa.update(signed.toByteArray());
            signature = ecdsa.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("clientDataJSON", b64(clientData));
        response.put("authenticatorData", b64(authenticatorData));
        response.put("signature", b64(signature));
        response.put("userHandle", b64(userHandle));
        return credentialJson(response);
    }

    private String credentialJson(Map<String, Object> response) {
        Map<String, Object> credential = new LinkedHashMap<>();
        credential.put("id", b64(credentialId));
        credential.put("rawId", b64(credentialId));
        credential.put("type", "public-key");
        credential.put("response", response);
        credential.put("clientExtensionResults", Map.of());
        try {
            return JSON.writeValueAsString(credential);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] clientData(String type, String challenge, String origin) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("type", type);
        data.put("challenge", challenge);
        data.put("origin", origin);
        data.put("crossOrigin", false);
        try {
            return JSON.writeValueAsBytes(data);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static byte[] b64d(String text) {
        return Base64.getUrlDecoder().decode(text);
    }
}
