package dev.keydesk.web;

import dev.keydesk.user.User;

/** What the shared page layout needs: the title, who is signed in, the form token and a notice. */
public record Layout(String title, User user, String csrfToken, String flash, String path) {
    /** "page" for the navigation link of the section being shown, so it is marked as current. */
    public String current(String section) {
        return path != null && (path.equals(section) || path.startsWith(section + "/")) ? "page" : null;
    }
}
