package dev.keydesk.audit;

/** The security-relevant changes Keydesk records; the names are what the audit_log table stores. */
public enum AuditEvent {
    ORGANIZATION_CREATED("organization_created"),
    USER_CREATED("user_created"),
    USER_DEACTIVATED("user_deactivated"),
    USER_REACTIVATED("user_reactivated"),
    PASSWORD_CHANGED("password_changed"),
    PASSWORD_REENTRY_FAILED("password_reentry_failed"),
    API_KEY_CHANGED("api_key_changed"),
    API_KEY_REVEALED("api_key_revealed"),
    API_KEY_LEAK_REPORTED("api_key_leak_reported"),
    API_KEY_LOOKED_UP("api_key_looked_up"),
    DEVICES_LOGGED_OUT("devices_logged_out"),
    DEVICE_KEY_ISSUED("device_key_issued"),
    DEVICE_LOGGED_OUT("device_logged_out"),
    DEVICE_LOGIN_REQUESTED("device_login_requested"),
    DEVICE_LOGIN_APPROVED("device_login_approved"),
    DEVICE_LOGIN_DENIED("device_login_denied"),
    OLD_KEY_RETIRED("old_key_retired"),
    API_KEY_EXPIRY_CHANGED("api_key_expiry_changed"),
    API_KEY_EXPIRED("api_key_expired"),
    KEY_POLICY_CHANGED("key_policy_changed"),
    KEY_RESTRICTIONS_CHANGED("key_restrictions_changed"),
    KEY_ADDRESS_REFUSED("key_address_refused"),
    BOT_CREATED("bot_created"),
    BOT_MODIFIED("bot_modified"),
    BOT_OWNERS_CHANGED("bot_owners_changed"),
    BOT_DEACTIVATED("bot_deactivated"),
    BOT_REACTIVATED("bot_reactivated"),
    BOT_DELETED("bot_deleted"),
    ROLE_CHANGED("role_changed"),
    INVITATION_CREATED("invitation_created"),
    INVITATION_REVOKED("invitation_revoked"),
    INVITATION_ACCEPTED("invitation_accepted"),
    PASSWORD_RESET_REQUESTED("password_reset_requested"),
    SERVICE_REGISTERED("service_registered"),
    SERVICE_MODIFIED("service_modified"),
    SERVICE_TOKEN_REGENERATED("service_token_regenerated"),
    SERVICE_MEMBER_ADDED("service_member_added"),
    SERVICE_MEMBER_REMOVED("service_member_removed"),
    SERVICE_DELETED("service_deleted"),
    AUTHENTICATOR_ADDED("authenticator_added"),
    AUTHENTICATOR_REMOVED("authenticator_removed"),
    RECOVERY_CODES_GENERATED("recovery_codes_generated"),
    RECOVERY_CODE_USED("recovery_code_used"),
    SECOND_FACTOR_FAILED("second_factor_failed"),
    SECOND_FACTOR_POLICY_CHANGED("second_factor_policy_changed"),
    PASSKEY_ADDED("passkey_added"),
    PASSKEY_REMOVED("passkey_removed"),
    PASSKEY_REFUSED("passkey_refused"),
    PASSKEY_COUNTER_REFUSED("passkey_counter_refused"),
    SSO_LINKED("sso_linked"),
    SSO_SIGN_IN_REFUSED("sso_sign_in_refused"),
    PASSWORD_LOGIN_CHANGED("password_login_changed"),
    WEEKLY_DIGEST_CHANGED("weekly_digest_changed");

    private final String dbName;

    AuditEvent(String dbName) {
        this.dbName = dbName;
    }

    public String dbName() {
        return dbName;
    }
}
