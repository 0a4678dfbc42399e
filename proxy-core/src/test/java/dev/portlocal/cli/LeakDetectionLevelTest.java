package dev.portlocal.cli;

import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The daemon turns Netty's sampling leak detector off unless the JVM was told a level, which then applies. */
class LeakDetectionLevelTest {

    private static final String PROPERTY = "io.netty.leakDetection.level";

    @Test
    void aLevelGivenToTheJvmApplies() {
        String given = System.getProperty(PROPERTY);
        ResourceLeakDetector.Level before = ResourceLeakDetector.getLevel();
        try {
            System.setProperty(PROPERTY, "paranoid");
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
            Main.leakDetectionOffUnlessAsked();
            assertEquals(ResourceLeakDetector.Level.PARANOID, ResourceLeakDetector.getLevel());
        } finally {
            restore(given, before);
        }
    }

    @Test
    void withoutALevelTheDaemonTurnsItOff() {
        String given = System.getProperty(PROPERTY);
        ResourceLeakDetector.Level before = ResourceLeakDetector.getLevel();
        try {
            System.clearProperty(PROPERTY);
            Main.leakDetectionOffUnlessAsked();
            assertEquals(ResourceLeakDetector.Level.DISABLED, ResourceLeakDetector.getLevel());
        } finally {
            restore(given, before);
        }
    }

    private static void restore(String given, ResourceLeakDetector.Level level) {
        if (given == null) {
            System.clearProperty(PROPERTY);
        } else {
            System.setProperty(PROPERTY, given);
        }
        ResourceLeakDetector.setLevel(level);
    }
}
