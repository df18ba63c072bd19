package dev.keydesk.guard;

import dev.keydesk.apikey.ApiKeyAuthenticator;
import dev.keydesk.apikey.KeyOwner;
import dev.keydesk.apikey.KeyUseCounter;
import dev.keydesk.apikey.KeyUseOutcome;
import dev.keydesk.keyscope.KeyRestrictions;
import dev.keydesk.user.User;
import java.util.List;

/**
 * Decides whether a presented key may call a guarded service: the question nginx, Traefik, Caddy
 * and Envoy ask on every request, and services ask through the verify API. A cached key costs no
 * database query; an unknown service token ends the question before the key is even looked at,
 * so the endpoints are never a key-validity oracle for someone without a service token.
 */
public final class KeyVerifier {
    /** The credentials a client presented, as read from its request. */
    public record Presented(String key, String email) {}

    /**
     * The request the question is about, as the proxy describes it: every method and every URI it
     * names (a client can add headers of its own, so these can disagree; each must be allowed).
     */
    public record Target(List<String> methods, List<String> uris) {
        public Target {
            methods = List.copyOf(methods);
            uris = List.copyOf(uris);
        }
    }

    public sealed interface Decision permits Allowed, UnknownService, NoKey, Refused, NotAdmitted, OutOfScope, WrongAddress,
            Limited {}

    /** The key may call the service; the identity goes to the upstream. */
    public record Allowed(KeyOwner owner, GuardedService service) implements Decision {}

    /** No (or an unknown) service token: nothing is said about the key. */
    public record UnknownService() implements Decision {}

    /** No credentials in the request. */
    public record NoKey() implements Decision {}

    /** Malformed, unknown, revoked or deactivated: Zulip's code and message. */
    public record Refused(String code, String message) implements Decision {}

    /** A valid key that this service does not admit. */
    public record NotAdmitted(GuardedService service) implements Decision {}

    /** A valid key whose scope does not cover this service, or this method and path of it. */
    public record OutOfScope(GuardedService service) implements Decision {}

    /** A valid key presented from outside its address ranges. */
    public record WrongAddress() implements Decision {}

    public record Limited(long retryAfterSeconds) implements Decision {}

    private final ServiceRegistry services;
    private final ApiKeyAuthenticator authenticator;
    private final RateLimits limits;
    private final KeyUseCounter uses;

    public KeyVerifier(ServiceRegistry services, ApiKeyAuthenticator authenticator, RateLimits limits, KeyUseCounter uses) {
        this.services = services;
        this.authenticator = authenticator;
        this.limits = limits;
        this.uses = uses;
    }

    /** {@code ip} is the address the key was presented from, recorded as where it was used. */
    /** Whether the token is a registered service's: checked before anything else the request says. */
    public boolean knowsService(String serviceToken) {
        return services.byToken(serviceToken).isPresent();
    }

    /** A question without a method and path (the verify API's without them): a key with path rules is refused. */
    public Decision verify(String serviceToken, Presented presented, String ip) {
        return verify(serviceToken, presented, ip, null);
    }

    public Decision verify(String serviceToken, Presented presented, String ip, Target target) {
        ServiceRegistry.Entry entry = services.byToken(serviceToken).orElse(null);
        if (entry == null) return new UnknownService();
        if (presented == null || presented.key() == null || presented.key().isEmpty()) return new NoKey();
        ApiKeyAuthenticator.Result result = presented.email() == null
                ? authenticator.authenticate(presented.key(), ip)
                : authenticator.authenticate(presented.email(), presented.key(), ip);
        Decision decision = decide(entry, result, target);
        uses.count(result, entry.service().id(), outcome(decision, result));
        return decision;
    }

    /** How usage counts a decision: a refusal of the credentials says why through the authentication's result. */
    static KeyUseOutcome outcome(Decision decision, ApiKeyAuthenticator.Result result) {
        if (decision instanceof Allowed) return KeyUseOutcome.ALLOWED;
        if (decision instanceof Limited) return KeyUseOutcome.RATE_LIMITED;
        if (decision instanceof NotAdmitted || decision instanceof OutOfScope || decision instanceof WrongAddress) {
            return KeyUseOutcome.FORBIDDEN;
        }
        KeyUseOutcome byKey = KeyUseOutcome.of(result);
        return byKey == KeyUseOutcome.ALLOWED ? KeyUseOutcome.INVALID : byKey;
    }

    private Decision decide(ServiceRegistry.Entry entry, ApiKeyAuthenticator.Result result, Target target) {
        if (result instanceof ApiKeyAuthenticator.Malformed) return new Refused("INVALID_API_KEY", "Malformed API key");
        if (result instanceof ApiKeyAuthenticator.Invalid) return new Refused("INVALID_API_KEY", "Invalid API key");
        if (result instanceof ApiKeyAuthenticator.Deactivated) return new Refused("USER_DEACTIVATED", "Account is deactivated");
        if (result instanceof ApiKeyAuthenticator.Expired) return new Refused("INVALID_API_KEY", "API key expired");
        if (result instanceof ApiKeyAuthenticator.WrongAddress) return new WrongAddress();
        // Only an authenticated key goes on; any other outcome, known or not, is a refusal.
        if (!(result instanceof ApiKeyAuthenticator.Authenticated authenticated)) {
            return new Refused("INVALID_API_KEY", "Invalid API key");
        }
        KeyOwner owner = authenticated.owner();
        GuardedService service = entry.service();
        if (!admits(entry, owner.user())) return new NotAdmitted(service);
        if (!inScope(owner.restrictions(), service.id(), target)) return new OutOfScope(service);
        if (service.rateLimitPerMinute() != null) {
            long retryAfter = limits.take(service, owner.keyId(), service.rateLimitPerMinute());
            if (retryAfter > 0) return new Limited(retryAfter);
        }
        return new Allowed(owner, service);
    }

    /** From the restrictions cached with the key: no query. */
    static boolean inScope(KeyRestrictions restrictions, long serviceId, Target target) {
        if (!restrictions.mayOpen(serviceId)) return false;
        if (!restrictions.hasRulesFor(serviceId)) return true;
        return target != null && restrictions.covers(serviceId, target.methods(), target.uris());
    }

    static boolean admits(ServiceRegistry.Entry entry, User user) {
        switch (entry.service().accessRule()) {
            case EVERYONE:
                return true;
            case ADMINS:
                return user.isAdmin() && !user.isBot();
            default:
                return entry.members().contains(user.id());
        }
    }
}
