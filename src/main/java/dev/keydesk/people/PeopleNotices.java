package dev.keydesk.people;

import dev.keydesk.web.Flash;

/** The People pages' and invitations' notices. Each name is what the notice's cookie carries, so it is unique across features. */
public enum PeopleNotices implements Flash.Notice {
    ROLE_CHANGED(Flash.Words.of("The role was changed.", "%s's role was changed.")),
    USER_DEACTIVATED(Flash.Words.of("The account was deactivated: its sessions ended and its API key is refused.",
            "%s was deactivated: their sessions ended and their API key is refused.")),
    USER_REACTIVATED(Flash.Words.of("The account was reactivated.", "%s was reactivated.")),
    MEMBER_KEY_REGENERATED(Flash.Words.of("A new API key was generated. The old key no longer works and the member's devices were logged out.",
            "%s has a new API key. The old key no longer works and their devices were logged out.")),
    INVITATION_REVOKED(Flash.Words.of("The invitation was revoked.")),
    INVITATION_ACCEPTED(Flash.Words.of("Welcome! Your account is ready."));

    private final Flash.Words words;

    PeopleNotices(Flash.Words words) {
        this.words = words;
    }

    @Override
    public Flash.Words words() {
        return words;
    }
}
