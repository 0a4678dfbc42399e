package dev.portlocal.tcp.pipe;

import java.util.Locale;

/**
 * When a relay direction moves bytes through a pipe with splice(2) instead of copying them through a buffer.
 *
 * <ul>
 *   <li>{@code NEVER}: always copy.</li>
 *   <li>{@code ALWAYS}: splice whenever a pipe can be had; copy only as a fallback.</li>
 *   <li>{@code AUTO}: start copying; switch to a pipe once the direction is a bulk stream (consecutive reads that
 *       fill the copy buffer), and back when reads turn small. Without sized pipes (no shim) it never splices:
 *       default 64 KiB pipes lose to the copy relay on this kind of machine.</li>
 * </ul>
 */
public enum SplicePolicy {
    AUTO,
    ALWAYS,
    NEVER;

    public static SplicePolicy parse(String value) {
        for (SplicePolicy p : values()) {
            if (p.name().equalsIgnoreCase(value)) {
                return p;
            }
        }
        throw new IllegalArgumentException("splice: " + value + " (expected: auto, always or never)");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
