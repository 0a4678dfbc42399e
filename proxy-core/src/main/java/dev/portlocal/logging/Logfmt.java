package dev.portlocal.logging;

/**
 * logfmt encoding: {@code key=value} pairs separated by spaces, where a value is written bare when it is a plain
 * token and quoted otherwise. Inside quotes a quote and a backslash are escaped with a backslash, and line breaks,
 * tabs and other control characters as {@code \n}, {@code \r}, {@code \t} or {@code \}{@code u00XX}, so one event
 * is always exactly one line, whatever its values hold.
 *
 * <p>Threading: stateless.
 */
public final class Logfmt {

    private Logfmt() {
    }

    /** Appends {@code value} as a logfmt value: bare if it is a non-empty plain token, else quoted and escaped. */
    public static StringBuilder appendValue(StringBuilder sb, Object value) {
        String s = String.valueOf(value);
        if (isBare(s)) {
            return sb.append(s);
        }
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    sb.append("\\\"");
                    break;
                case '\\':
                    sb.append("\\\\");
                    break;
                case '\n':
                    sb.append("\\n");
                    break;
                case '\r':
                    sb.append("\\r");
                    break;
                case '\t':
                    sb.append("\\t");
                    break;
                default:
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        return sb.append('"');
    }

    /** Appends {@code key=value}, with a space before it unless {@code sb} is empty. */
    public static StringBuilder appendPair(StringBuilder sb, String key, Object value) {
        if (sb.length() > 0) {
            sb.append(' ');
        }
        sb.append(key).append('=');
        return appendValue(sb, value);
    }

    /** True if {@code s} can stand unquoted: not empty, and no space, quote, equals sign, backslash or control. */
    static boolean isBare(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** True if {@code message} is an event name: lower-case letters, digits and underscores, starting with a letter. */
    static boolean isEventName(String message) {
        if (message == null || message.isEmpty() || message.charAt(0) < 'a' || message.charAt(0) > 'z') {
            return false;
        }
        for (int i = 1; i < message.length(); i++) {
            char c = message.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_')) {
                return false;
            }
        }
        return true;
    }
}
