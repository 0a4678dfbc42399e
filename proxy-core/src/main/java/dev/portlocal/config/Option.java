package dev.portlocal.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * One daemon option, described once: its config-file key, its flag, how it is read and checked, its default, its
 * help, and whether a reload applies it. {@link DaemonOptions} lists them all; the command line's flags, the config
 * file's keys, the merge of the two and the reload's restart check are derived from that list.
 *
 * <p>The key is camelCase; a dotted key ({@code kubernetes.nodeName}) is a key inside a section of the config file
 * ({@code kubernetes: {nodeName: ...}}). The flag is the key in kebab case ({@code --kubernetes-node-name}) unless
 * {@link Builder#flag} names another.
 *
 * <p>Immutable and thread-safe. Options are compared by identity: each is a constant of {@link DaemonOptions}.
 *
 * @param <T> the value's type
 */
public final class Option<T> {

    private static final Pattern KEY = Pattern.compile("[a-z][A-Za-z0-9]*(\\.[a-z][A-Za-z0-9]*)*");

    /** Checks a value; the message of a failure names {@code field} and the value. */
    @FunctionalInterface
    public interface Check<T> {
        void check(String field, T value);
    }

    private final String key;
    private final String flag;
    private final String label;
    private final String help;
    private final OptionType<T> type;
    private final Supplier<T> defaultValue;
    private final String defaultText;
    private final List<Check<T>> checks;
    private final boolean reloadable;

    private Option(Builder<T> b) {
        this.key = b.key;
        this.flag = b.flag != null ? b.flag : "--" + kebab(b.key);
        this.label = b.label;
        this.help = requireNonNull(b.help, "help of " + b.key);
        this.type = b.type;
        this.defaultValue = b.defaultValue;
        this.defaultText = b.defaultText != null ? b.defaultText
                : b.defaultValue == null ? null : formatDefault(b.type, b.defaultValue.get());
        this.checks = List.copyOf(b.checks);
        this.reloadable = b.reloadable;
    }

    /** Starts an option with the config key {@code key} (camelCase, dotted inside a section). */
    public static <T> Builder<T> builder(String key, OptionType<T> type) {
        return new Builder<>(key, type);
    }

    /** The config-file key, e.g. {@code portRange}, or {@code kubernetes.nodeName} inside a section. */
    public String key() {
        return key;
    }

    /** The flag, e.g. {@code --port-range}. */
    public String flag() {
        return flag;
    }

    /** The flag's parameter in the help, e.g. {@code A-B}; null for a switch. */
    public String label() {
        return label;
    }

    /** One or two sentences for {@code --help} and docs/cli.md, without the default. */
    public String help() {
        return help;
    }

    public OptionType<T> type() {
        return type;
    }

    /** The value when neither the flag nor the config file sets it; null when it has none. */
    public T defaultValue() {
        return defaultValue == null ? null : defaultValue.get();
    }

    /** The default as the help shows it, e.g. {@code 30s} or {@code the CPU count}; null when it has none. */
    public String defaultText() {
        return defaultText;
    }

    /** True if a reload applies a new value at once; otherwise a change waits for a restart, and is logged. */
    public boolean reloadable() {
        return reloadable;
    }

    /**
     * Checks {@code value} (not null), with {@code field} in the message: the flag, or the key in the config file.
     *
     * @throws IllegalArgumentException naming {@code field} and the value
     */
    public T validate(String field, T value) {
        requireNonNull(value, key);
        type.check(field, value);
        for (Check<T> check : checks) {
            check.check(field, value);
        }
        return value;
    }

    /**
     * The value of this option's flag, checked: {@code texts} holds the value of each occurrence (none for a
     * switch).
     *
     * @throws IllegalArgumentException naming the flag and the value
     */
    public T fromFlag(List<String> texts) {
        return validate(flag, type.fromFlag(flag, texts));
    }

    /** The value of this option's node in the config file, checked; {@code field} is where it stands. */
    T fromNode(String field, JsonNode node) {
        return validate(field, type.fromNode(field, node));
    }

    /** Formats a value of this option as the help shows it. */
    public String format(T value) {
        return type.format(value);
    }

    @Override
    public String toString() {
        return key;
    }

    private static <T> String formatDefault(OptionType<T> type, T value) {
        return value == null ? null : type.format(value);
    }

    /** {@code kubernetes.nodeName} to {@code kubernetes-node-name}. */
    static String kebab(String key) {
        StringBuilder out = new StringBuilder();
        for (char c : key.toCharArray()) {
            if (c == '.') {
                out.append('-');
            } else if (Character.isUpperCase(c)) {
                out.append('-').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString().toLowerCase(Locale.ROOT);
    }

    /** Fluent, mutable; {@link #build()} freezes. Only {@link #help} is required. */
    public static final class Builder<T> {
        private final String key;
        private final OptionType<T> type;
        private String flag;
        private String label;
        private String help;
        private Supplier<T> defaultValue;
        private String defaultText;
        private final List<Check<T>> checks = new ArrayList<>();
        private boolean reloadable;

        private Builder(String key, OptionType<T> type) {
            if (!KEY.matcher(requireNonNull(key, "key")).matches()) {
                throw new IllegalArgumentException("key: " + key + " (expected: camelCase, dotted inside a section)");
            }
            this.key = key;
            this.type = requireNonNull(type, "type");
            this.label = type.shape() == OptionType.Shape.SWITCH ? null : "VALUE";
        }

        /** Another flag than the key in kebab case, e.g. {@code --listen-address} for a repeatable list. */
        public Builder<T> flag(String value) {
            if (!value.matches("--[a-z][a-z0-9-]*")) {
                throw new IllegalArgumentException("flag: " + value + " (expected: --kebab-case)");
            }
            this.flag = value;
            return this;
        }

        /** The flag's parameter in the help, e.g. {@code DURATION}. */
        public Builder<T> label(String value) {
            this.label = requireNonNull(value, "label");
            return this;
        }

        public Builder<T> help(String value) {
            this.help = requireNonNull(value, "help");
            return this;
        }

        /** A fixed default, shown formatted by the type. */
        public Builder<T> defaultValue(T value) {
            requireNonNull(value, "defaultValue");
            this.defaultValue = () -> value;
            return this;
        }

        /** A default found at run time (the CPU count, an environment variable), shown as {@code text}. */
        public Builder<T> defaultValue(Supplier<T> value, String text) {
            this.defaultValue = requireNonNull(value, "defaultValue");
            this.defaultText = requireNonNull(text, "text");
            return this;
        }

        /** What the help shows when there is no default value, e.g. {@code detected}. */
        public Builder<T> defaultText(String text) {
            this.defaultText = requireNonNull(text, "text");
            return this;
        }

        /** Adds a check; values from flags, the config file and the builder all pass it. */
        public Builder<T> check(Check<T> value) {
            checks.add(requireNonNull(value, "check"));
            return this;
        }

        /**
         * Adds a check done by another class, e.g. a record that validates itself: {@code value} throws
         * {@link IllegalArgumentException} with its own message.
         */
        public Builder<T> validatedBy(Consumer<T> value) {
            requireNonNull(value, "validatedBy");
            checks.add((field, v) -> value.accept(v));
            return this;
        }

        /** A reload applies a new value at once (the default: only a restart does). */
        public Builder<T> reloadable() {
            this.reloadable = true;
            return this;
        }

        public Option<T> build() {
            return new Option<>(this);
        }
    }
}
