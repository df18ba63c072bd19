package dev.keydesk.sso;

/**
 * Why a sign-in through the provider was refused: the code the audit row stores, the status of
 * the page and what the page says, in plain words.
 */
public enum SsoRefusal {
    WRONG_STATE("wrong_state", 400, "This sign-in was not started from this browser, was already used, or took longer"
            + " than ten minutes. Nobody was signed in. Start again from the login page."),
    PROVIDER_ERROR("provider_error", 400, "The sign-in provider did not sign you in. Start again from the login page,"
            + " or ask an administrator if it keeps happening."),
    CODE_REFUSED("code_refused", 400, "The sign-in provider would not confirm this sign-in: its one-time code was"
            + " already used or has expired. Nobody was signed in. Start again from the login page."),
    BAD_SIGNATURE("bad_signature", 400, "The sign-in provider's answer was not signed with the provider's keys, so it"
            + " cannot be trusted. Nobody was signed in."),
    WRONG_ISSUER("wrong_issuer", 400, "The answer came from another sign-in provider than the one this organization"
            + " uses. Nobody was signed in."),
    WRONG_AUDIENCE("wrong_audience", 400, "The sign-in provider's answer was meant for another application."
            + " Nobody was signed in."),
    EXPIRED("expired", 400, "The sign-in provider's answer has expired. Nobody was signed in. Start again from the"
            + " login page; if it keeps happening, the server's clock may be wrong."),
    NONCE_MISMATCH("nonce_mismatch", 400, "The sign-in provider's answer belongs to another sign-in than the one"
            + " started here. Nobody was signed in. Start again from the login page."),
    INVALID_TOKEN("invalid_token", 400, "The sign-in provider's answer could not be checked. Nobody was signed in."),
    NO_EMAIL("no_email", 403, "The sign-in provider did not tell Keydesk your e-mail address, so no account can be"
            + " found for you. Ask an administrator to let Keydesk see it (the \"email\" scope)."),
    UNVERIFIED_EMAIL("unverified_email", 403, "The sign-in provider has not verified your e-mail address, so it"
            + " cannot be linked to the Keydesk account with that address. Verify it with the provider, then try again,"
            + " or log in with your password."),
    DOMAIN_NOT_ALLOWED("domain_not_allowed", 403, "There is no Keydesk account for your e-mail address, and people"
            + " from your e-mail domain do not get one by signing in. Ask an administrator to invite you."),
    DEACTIVATED("deactivated", 403, "This account has been deactivated. Ask an administrator for help."),
    NOT_A_PERSON("not_a_person", 403, "Your e-mail address belongs to a bot in Keydesk, and bots cannot sign in."),
    ALREADY_LINKED("already_linked", 403, "The Keydesk account with your e-mail address is already linked to another"
            + " identity at the sign-in provider. Ask an administrator for help."),
    NOT_FRESH("not_fresh", 403, "The sign-in provider did not ask for your credentials just now, so this does not"
            + " show that it is still you, and no key is shown. Try again, and sign in at the provider when it asks."),
    OTHER_ACCOUNT("other_account", 403, "You signed in at the provider as someone else than the person signed in"
            + " here, so this does not confirm it is you. Nothing was changed."),
    UNREACHABLE("unreachable", 502, "The sign-in provider could not be reached, or did not answer as expected."
            + " Try again in a while, or log in with your password.");

    private final String code;
    private final int status;
    private final String message;

    SsoRefusal(String code, int status, String message) {
        this.code = code;
        this.status = status;
        this.message = message;
    }

    public String code() {
        return code;
    }

    public int status() {
        return status;
    }

    public String message() {
        return message;
    }
}
