package dev.keydesk.bot;

import dev.keydesk.errors.InvalidInputException;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import java.io.IOException;
import java.io.InputStream;

/** Reading an uploaded avatar from a multipart form; an empty file input means "no upload". */
public final class BotUploads {
    private BotUploads() {}

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
