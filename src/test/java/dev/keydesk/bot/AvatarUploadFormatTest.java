package dev.keydesk.bot;

import dev.keydesk.support.IntegrationTest;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keydesk.support.Fixtures;
import dev.keydesk.support.Http;
import dev.keydesk.support.TestKeydesk;
import dev.keydesk.user.User;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Over HTTP: a WBMP avatar, which Java could decode, is refused like any file that is not PNG, JPEG, GIF or BMP. */
@IntegrationTest
class AvatarUploadFormatTest {
    private final TestKeydesk keydesk = TestKeydesk.get();

    @Test
    void aWbmpAvatarIsRefused() throws Exception {
        keydesk.reset();
        User owner = Fixtures.member("cordelia@zulip.com");
        String auth = Http.basic("cordelia@zulip.com", Fixtures.keyOf(owner));
        System.setProperty("java.awt.headless", "true");
        ByteArrayOutputStream wbmp = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(32, 32, BufferedImage.TYPE_BYTE_BINARY), "wbmp", wbmp);

        Http.Response r = Http.postMultipartWithFile(keydesk.baseUrl() + "/api/v1/bots",
                Map.of("full_name", "Pictured Bot", "short_name", "pictured"), "file", "face.wbmp", "image/vnd.wap.wbmp",
                wbmp.toByteArray(), auth);
        assertEquals(400, r.status(), r.body());
        assertEquals("The avatar must be a PNG, JPEG, GIF or BMP image.", r.json().get("msg").asText());
        assertEquals(0, Fixtures.count("SELECT count(*) FROM users WHERE is_bot"));
    }
}
