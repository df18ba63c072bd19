package dev.keydesk.account;

import dev.keydesk.web.Layout;

public record LoginPage(Layout layout, String email, String next, String error) {}
