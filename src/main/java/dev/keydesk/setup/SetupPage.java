package dev.keydesk.setup;

import dev.keydesk.web.Layout;

public record SetupPage(Layout layout, String token, String orgName, String email, String fullName, String error) {}
