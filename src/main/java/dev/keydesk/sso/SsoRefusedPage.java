package dev.keydesk.sso;

import dev.keydesk.web.Layout;

/** The page a refused sign-in through the provider ends on. */
public record SsoRefusedPage(Layout layout, String message, String next) {}
