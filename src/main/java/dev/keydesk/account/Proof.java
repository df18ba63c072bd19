package dev.keydesk.account;

/**
 * What a person offers, before a key is shown or changed, to show that it is still them. Each way
 * of proving is one kind here, and {@link Reauthentication} decides in one place which kind an
 * account must give.
 */
public sealed interface Proof {
    enum Kind {
        /** An account with only a password re-enters it, as it always has. */
        PASSWORD,
        /** An account with an authenticator app gives a fresh code from it; its password alone no longer suffices. */
        AUTHENTICATOR_CODE,
        /** An account without a password signs in again at the organization's provider (the ID token's auth_time). */
        PROVIDER
    }

    Kind kind();

    record Password(String password) implements Proof {
        public Kind kind() {
            return Kind.PASSWORD;
        }
    }

    record AuthenticatorCode(String code) implements Proof {
        public Kind kind() {
            return Kind.AUTHENTICATOR_CODE;
        }
    }

    /** Made only by the single sign-on callback, from an ID token it checked; null when the token named no time. */
    record ProviderSignIn(java.time.Instant authTime) implements Proof {
        public Kind kind() {
            return Kind.PROVIDER;
        }
    }

    /** The proof of the kind asked for, read from a form's {@code password} or {@code code} field. */
    static Proof fromForm(Kind kind, String password, String code) {
        return switch (kind) {
            case PASSWORD -> new Password(password == null ? "" : password);
            case AUTHENTICATOR_CODE -> new AuthenticatorCode(code == null ? "" : code);
            // A form cannot carry a sign-in at the provider: this proof is refused.
            case PROVIDER -> new ProviderSignIn(null);
        };
    }
}
