package dev.keydesk.web;

import dev.keydesk.user.User;

/** What the shared page layout needs: the title, who is signed in, the form token and a notice. */
public record Layout(String title, User user, String csrfToken, String flash) {}
