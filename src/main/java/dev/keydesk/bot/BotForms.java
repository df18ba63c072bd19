package dev.keydesk.bot;

import dev.keydesk.errors.InvalidInputException;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Reading a bot form: the uploaded avatar (an empty file input means "no upload") and the owner checkboxes. */
public final class BotForms {
    private BotForms() {}

    /** The user ids ticked in a list of checkboxes; anything that is not a number names no user. */
    public static List<Long> ownerIds(Context ctx, String field) {
        try {
            return ctx.formParams(field).stream().map(Long::parseLong).toList();
        } catch (NumberFormatException e) {
            throw new InvalidInputException("No such user");
        }
    }

    /** The same, for showing a form again after an error: unreadable ids are simply left out. */
    public static Set<Long> ownerIdsForRedisplay(Context ctx, String field) {
        Set<Long> ids = new HashSet<>();
        for (String raw : ctx.formParams(field)) {
            try {
                ids.add(Long.parseLong(raw));
            } catch (NumberFormatException e) {
                // ignored: the form is being shown again with its error
            }
        }
        return ids;
    }

    public static byte[] avatar(Context ctx, String field) {
        if (!ctx.isMultipartFormData()) return null;
        UploadedFile file = ctx.uploadedFile(field);
        if (file == null || (file.size() == 0 && (file.filename() == null || file.filename().isEmpty()))) return null;
        return readAll(file);
    }

    static byte[] readAll(UploadedFile file) {
        try (InputStream in = file.content()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new InvalidInputException("The uploaded file could not be read.");
        }
    }
}
