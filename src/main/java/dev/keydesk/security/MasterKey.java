package dev.keydesk.security;

import dev.keydesk.config.ConfigException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/** The 32-byte AES key that encrypts API keys at rest. It lives in a file, never in the database. */
public final class MasterKey {
    public static final int SIZE = 32;

    private MasterKey() {}

    /** Reads the key file, creating it with 32 random bytes (mode 0600) when it does not exist. */
    public static SecretKey loadOrCreate(Path file) {
        try {
            if (!Files.exists(file)) {
                create(file);
            }
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length != SIZE) {
                throw new ConfigException("The master key file " + file + " must hold exactly " + SIZE
                        + " bytes, but holds " + bytes.length);
            }
            return new SecretKeySpec(bytes, "AES");
        } catch (IOException e) {
            throw new ConfigException("Cannot read the master key file " + file + ": " + e.getMessage(), e);
        }
    }

    private static void create(Path file) throws IOException {
        Path parent = file.getParent();
        if (parent != null) Files.createDirectories(parent);
        byte[] bytes = new byte[SIZE];
        dev.keydesk.security.Tokens.random().nextBytes(bytes);
        // Written whole under a temporary name, then linked into place: a process starting at the
        // same moment sees either no file or the complete one, never a partial one.
        Path temp = Files.createTempFile(parent == null ? Path.of(".") : parent, ".master-key", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.write(temp, bytes);
            Files.createLink(file, temp);
        } catch (FileAlreadyExistsException raced) {
            // another process created it first; use theirs
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
