package dev.portlocal.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetSocketAddress;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ApiAddressTest {

    @ParameterizedTest
    @CsvSource({
        "127.0.0.1:9180, 127.0.0.1:9180, true",
        "[::1]:9180, [::1]:9180, true",
        "0.0.0.0:9180, 0.0.0.0:9180, false",
        "10.1.2.3:0, 10.1.2.3:0, false",
        "[fd00::1]:80, [fd00::1]:80, false",
        "unix:/run/portlocal/api.sock, unix:/run/portlocal/api.sock, true"
    })
    void parsesAndFormats(String text, String formatted, boolean local) {
        ApiAddress address = ApiAddress.parse(text);
        assertEquals(formatted, address.toString());
        assertEquals(local, address.isLocal());
    }

    @Test
    void defaultIsLoopback() {
        ApiAddress address = ApiAddress.parse(ApiAddress.DEFAULT);
        assertEquals(new ApiAddress.Tcp(new InetSocketAddress("127.0.0.1", 9180)), address);
        assertTrue(address.isLocal());
        assertEquals(new ApiAddress.Unix(Path.of("/x.sock")), ApiAddress.parse("unix:/x.sock"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "9180", ":9180", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
        "127.0.0.1:http", "localhost:9180", "::1:9180", "unix:", "300.1.1.1:80"})
    void refusesWhatIsNotAnAddress(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ApiAddress.parse(text));
        assertTrue(e.getMessage().startsWith("api: " + text), e.getMessage());
        assertFalse(e.getMessage().isBlank());
    }
}
