package dev.keydesk.account;

/**
 * What a person offers, before a key is shown or changed, to show that it is still them. Each way
 * of proving is one kind here, and {@link Reauthentication} decides in one place which kind an
 * account must give; a passkey or a fresh sign-in at the organization's identity provider would
 * be further kinds.
 */
public sealed interface Proof {
    enum Kind {
        /** An account with only a password re-enters it, as it always has. */
        PASSWORD,
        /** An account with an authenticator app gives a fresh code from it; its password alone no longer suffices. */
        AUTHENTICATOR_CODE,
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

    /** The browser's answer to a step-up challenge, as the page's script put it in the form's {@code passkey} field. */
    record Passkey(String response) implements Proof {
        public Kind kind() {
            return Kind.PASSKEY;
        }
    }

    /** The proof of the kind asked for, read from a form's {@code password} or {@code code} field. */
    static Proof fromForm(Kind kind, String password, String code) {
        return switch (kind) {
            case PASSWORD -> new Password(password == null ? "" : password);
            case AUTHENTICATOR_CODE -> new AuthenticatorCode(code == null ? "" : code);
            case PASSKEY -> new Passkey("");
        };
    }
}
