package dev.keydesk.sso;

import dev.keydesk.web.Layout;

/** The page a refused sign-in through the provider ends on; {@code back}: where its one link leads, in words. */
public record SsoRefusedPage(Layout layout, String message, String backHref, String back) {}
