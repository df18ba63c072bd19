package dev.keydesk.avatar;

import dev.keydesk.errors.InvalidInputException;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Avatars are always served as PNGs that Keydesk drew itself: uploads are decoded and redrawn
 * (so nothing of the uploaded file but its pixels survives), and accounts without an upload get
 * an identicon drawn from their id. No fonts are needed, so this works on a bare server.
 */
public final class AvatarImages {
    public static final int SIZE = 256;
    public static final long MAX_UPLOAD_BYTES = 5L * 1024 * 1024;
    /** Larger images are refused before decoding, so a small file cannot expand into gigabytes. */
    private static final int MAX_SOURCE_PIXELS = 4_200_000;
    /** What ImageIO's readers call the formats docs/api.md lists. */
    private static final Set<String> ACCEPTED_FORMATS = Set.of("png", "jpeg", "gif", "bmp");
    /** Decoding is memory-hungry: at most two at a time per process, whatever the number of uploads. */
    private static final Semaphore DECODERS = new Semaphore(2);

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private AvatarImages() {}

    /** Decodes an uploaded image (PNG, JPEG, GIF or BMP) and returns it as a square PNG. */
    public static byte[] fromUpload(byte[] upload) {
        if (upload.length == 0) throw new InvalidInputException("The avatar file is empty.");
        if (upload.length > MAX_UPLOAD_BYTES) {
            throw new InvalidInputException("Avatar images can be at most 5 MB.");
        }
        try {
            if (!DECODERS.tryAcquire(10, TimeUnit.SECONDS)) {
                throw new InvalidInputException("The server is busy with other images; try again in a moment.");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InvalidInputException("The upload was interrupted.");
        }
        try {
            return toPng(squareScaled(decode(upload)));
        } finally {
            DECODERS.release();
        }
    }

    private static BufferedImage decode(byte[] upload) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(upload))) {
            ImageReader reader = in == null ? null : acceptedReader(ImageIO.getImageReaders(in));
            if (reader == null) throw notAnImage();
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels <= 0 || pixels > MAX_SOURCE_PIXELS) {
                    throw new InvalidInputException("The avatar image has too many pixels; use one of at most 2048×2048.");
                }
                BufferedImage image = reader.read(0);
                if (image == null) throw notAnImage();
                return image;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof InvalidInputException invalid) throw invalid;
            throw notAnImage();
        }
    }

    /**
     * The first reader for one of the accepted formats, judged by its format name before anything
     * is decoded: Java also reads WBMP, TIFF and whatever plug-ins add, none of which is accepted.
     */
    private static ImageReader acceptedReader(Iterator<ImageReader> readers) throws IOException {
        while (readers.hasNext()) {
            ImageReader reader = readers.next();
            if (ACCEPTED_FORMATS.contains(reader.getFormatName().toLowerCase(Locale.ROOT))) return reader;
            reader.dispose();
        }
        return null;
    }

    private static InvalidInputException notAnImage() {
        return new InvalidInputException("The avatar must be a PNG, JPEG, GIF or BMP image.");
    }

    /** Crops to the centred square and scales it to SIZE×SIZE. */
    private static BufferedImage squareScaled(BufferedImage source) {
        int side = Math.min(source.getWidth(), source.getHeight());
        int x = (source.getWidth() - side) / 2;
        int y = (source.getHeight() - side) / 2;
        BufferedImage out = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(source, 0, 0, SIZE, SIZE, x, y, x + side, y + side, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    /** A 5×5 mirrored pattern in a colour derived from the seed, like the identicons of code hosts. */
    public static byte[] identicon(String seed) {
        byte[] hash = sha256(seed);
        Color background = new Color(0xEE, 0xF0, 0xF5);
        Color ink = Color.getHSBColor((hash[0] & 0xFF) / 255f, 0.55f, 0.72f);
        BufferedImage image = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setColor(background);
            g.fillRect(0, 0, SIZE, SIZE);
            g.setColor(ink);
            int margin = 28;
            int cell = (SIZE - 2 * margin) / 5;
            for (int row = 0; row < 5; row++) {
                for (int col = 0; col < 3; col++) {
                    if ((hash[1 + row * 3 + col] & 1) == 0) continue;
                    g.fillRect(margin + col * cell, margin + row * cell, cell, cell);
                    g.fillRect(margin + (4 - col) * cell, margin + row * cell, cell, cell);
                }
            }
        } finally {
            g.dispose();
        }
        return toPng(image);
    }

    private static byte[] toPng(BufferedImage image) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("Writing a PNG to memory cannot fail", e);
        }
    }

    private static byte[] sha256(String seed) {
        return dev.keydesk.security.Tokens.sha256(seed);
    }
}
