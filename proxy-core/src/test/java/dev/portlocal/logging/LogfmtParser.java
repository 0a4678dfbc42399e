package dev.portlocal.logging;

import java.util.LinkedHashMap;
import java.util.Map;

/** A strict logfmt reader for tests: fails on anything {@link Logfmt} would never write. */
final class LogfmtParser {

    private LogfmtParser() {
    }

    static Map<String, String> parse(String line) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        while (i < line.length()) {
            int eq = line.indexOf('=', i);
            if (eq < 0) {
                throw new IllegalArgumentException("no '=' after " + line.substring(i));
            }
            String key = line.substring(i, eq);
            i = eq + 1;
            StringBuilder value = new StringBuilder();
            if (i < line.length() && line.charAt(i) == '"') {
                i++;
                while (line.charAt(i) != '"') {
                    char c = line.charAt(i++);
                    if (c == '\\') {
                        char n = line.charAt(i++);
                        switch (n) {
                            case 'n' -> value.append('\n');
                            case 'r' -> value.append('\r');
                            case 't' -> value.append('\t');
                            case 'u' -> {
                                value.append((char) Integer.parseInt(line.substring(i, i + 4), 16));
                                i += 4;
                            }
                            default -> value.append(n);
                        }
                    } else {
                        value.append(c);
                    }
                }
                i++;
            } else {
                while (i < line.length() && line.charAt(i) != ' ') {
                    value.append(line.charAt(i++));
                }
            }
            if (out.put(key, value.toString()) != null) {
                throw new IllegalArgumentException("key twice: " + key);
            }
            if (i < line.length()) {
                if (line.charAt(i) != ' ') {
                    throw new IllegalArgumentException("no space after " + key);
                }
                i++;
            }
        }
        return out;
    }
}
