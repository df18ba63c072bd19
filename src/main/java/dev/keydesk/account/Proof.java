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
        PROVIDER,
        /** Any account with a passkey may answer a fresh challenge with it instead of the kind it must otherwise give. */
        PASSKEY
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

    /** The browser's answer to a step-up challenge, as the page's script put it in the form's {@code passkey} field. */
    record Passkey(String response) implements Proof {
        public Kind kind() {
            return Kind.PASSKEY;
        }
    }

    /**
     * The proof a form carries: a passkey's answer when its script filled the {@code passkey} field,
     * else the kind asked for, read from the {@code password} or {@code code} field.
     */
    static Proof fromForm(Kind kind, String password, String code, String passkey) {
        if (passkey != null && !passkey.isBlank()) return new Passkey(passkey);
        return switch (kind) {
            case PASSWORD -> new Password(password == null ? "" : password);
            case AUTHENTICATOR_CODE -> new AuthenticatorCode(code == null ? "" : code);
            // A form cannot carry a sign-in at the provider: this proof is refused.
            case PROVIDER -> new ProviderSignIn(null);
            case PASSKEY -> new Passkey("");
        };
    }
}
