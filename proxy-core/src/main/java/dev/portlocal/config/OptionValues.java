package dev.portlocal.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * Values of some options, each checked by its {@link Option} when set: what the command line set, what the config
 * file set, or their merge. An option not set here reads as its default.
 *
 * <p>Immutable and thread-safe; every {@code with} returns a new instance.
 */
public final class OptionValues {

    public static final OptionValues EMPTY = new OptionValues(Map.of());

    /** Only ever holds a value of type T under an Option of T: {@link #with} is the one way in. */
    private final Map<Option<?>, Object> values;

    private OptionValues(Map<Option<?>, Object> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    /** The value set here, else the option's default (null when it has none). */
    @SuppressWarnings("unchecked")
    public <T> T get(Option<T> option) {
        Object value = values.get(requireNonNull(option, "option"));
        return value != null ? (T) value : option.defaultValue();
    }

    /** True if a value is set here (the default does not count). */
    public boolean isSet(Option<?> option) {
        return values.containsKey(option);
    }

    /** The options set here, in the order they were set. */
    public Set<Option<?>> set() {
        return values.keySet();
    }

    /**
     * These values with {@code option} set to {@code value}, or unset if {@code value} is null.
     *
     * @throws IllegalArgumentException if the option's checks refuse the value (the message names the key)
     */
    public <T> OptionValues with(Option<T> option, T value) {
        requireNonNull(option, "option");
        Map<Option<?>, Object> copy = new LinkedHashMap<>(values);
        if (value == null) {
            copy.remove(option);
        } else {
            copy.put(option, option.validate(option.key(), value));
        }
        return new OptionValues(copy);
    }

    /** These values, with every value set in {@code winners} replacing the one here: flags over the file. */
    public OptionValues overriddenBy(OptionValues winners) {
        Map<Option<?>, Object> copy = new LinkedHashMap<>(values);
        copy.putAll(winners.values);
        return new OptionValues(copy);
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
