package dev.keydesk.web;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.javalin.http.Context;
import io.javalin.rendering.FileRenderer;
import java.util.Map;

/** Renders the jte templates that the Maven build precompiled into classes. */
public final class TemplateRenderer implements FileRenderer {
    private static final int INITIAL_CAPACITY = 32 * 1024;
    private final TemplateEngine engine = TemplateEngine.createPrecompiled(ContentType.Html);

    @Override
    public String render(String template, Map<String, ?> model, Context ctx) {
        // Most pages are tens of kilobytes: start there rather than grow (and copy) from 8 kB.
        StringOutput output = new StringOutput(INITIAL_CAPACITY);
        @SuppressWarnings("unchecked")
        Map<String, Object> params = (Map<String, Object>) model;
        engine.render(template, params, output);
        return output.toString();
    }
}
