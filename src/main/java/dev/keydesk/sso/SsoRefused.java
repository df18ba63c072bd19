package dev.keydesk.sso;

/** A sign-in through the provider that must not go on; {@code detail} is for the audit row only. */
public final class SsoRefused extends Exception {
    private final SsoRefusal refusal;
    private final String detail;

    public SsoRefused(SsoRefusal refusal, String detail) {
        super(refusal.code() + (detail == null ? "" : ": " + detail), null, false, false);
        this.refusal = refusal;
        this.detail = detail;
    }

    public SsoRefusal refusal() {
        return refusal;
    }

    public String detail() {
        return detail;
    }
}
