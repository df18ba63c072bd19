package dev.keydesk.web;

public record ErrorPage(Layout layout, int status, String message) {}
