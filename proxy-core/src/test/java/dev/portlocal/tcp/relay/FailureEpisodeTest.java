package dev.portlocal.tcp.relay;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FailureEpisodeTest {

    @Test
    void onlyTheFirstFailureOfAnEpisodeIsLoggedAndTheEndCountsTheRest() {
        FailureEpisode episode = new FailureEpisode();
        assertEquals(-1, episode.recovered(), "no episode yet");
        assertTrue(episode.failed());
        for (int i = 0; i < 1000; i++) {
            assertFalse(episode.failed());
        }
        assertTrue(episode.failing());
        assertEquals(1000, episode.recovered());
        assertFalse(episode.failing());
        assertEquals(-1, episode.recovered());
        assertTrue(episode.failed(), "a new episode is logged again");
        assertEquals(0, episode.recovered());
    }
}
