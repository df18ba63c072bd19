package dev.keydesk.avatar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keydesk.errors.InvalidInputException;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Avatars are PNG, JPEG, GIF or BMP images, as docs/api.md says; any other format ImageIO reads is refused. */
class AvatarFormatsTest {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private static byte[] encode(String format, int imageType) throws IOException {
        BufferedImage image = new BufferedImage(40, 30, imageType);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 20, 30);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(image, format, out), "this Java can write " + format);
        byte[] bytes = out.toByteArray();
        assertTrue(ImageIO.read(new ByteArrayInputStream(bytes)) != null, "and read it back: " + format);
        return bytes;
    }

    @Test
    void theFourListedFormatsAreRedrawnAsPng() throws IOException {
        for (String format : List.of("png", "jpeg", "gif", "bmp")) {
            byte[] avatar = AvatarImages.fromUpload(encode(format, BufferedImage.TYPE_INT_RGB));
            assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(avatar, 8), format);
            BufferedImage drawn = ImageIO.read(new ByteArrayInputStream(avatar));
            assertEquals(AvatarImages.SIZE, drawn.getWidth(), format);
        }
    }

    @Test
    void otherFormatsThatJavaCanDecodeAreRefused() throws IOException {
        byte[] wbmp = encode("wbmp", BufferedImage.TYPE_BYTE_BINARY);
        byte[] tiff = encode("tiff", BufferedImage.TYPE_INT_RGB);
        for (byte[] upload : List.of(wbmp, tiff)) {
            InvalidInputException refused = assertThrows(InvalidInputException.class, () -> AvatarImages.fromUpload(upload));
            assertEquals("The avatar must be a PNG, JPEG, GIF or BMP image.", refused.getMessage());
        }
    }
}
