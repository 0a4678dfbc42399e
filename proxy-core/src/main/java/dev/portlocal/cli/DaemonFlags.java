package dev.portlocal.cli;

import dev.portlocal.config.DaemonOptions;
import dev.portlocal.config.InvalidConfigException;
import dev.portlocal.config.Option;
import dev.portlocal.config.OptionValues;
import dev.portlocal.daemon.DaemonConfig;
import dev.portlocal.systemd.SystemdSettings;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The daemon's options as flags of {@code run} and {@code check}, derived from {@link DaemonOptions#ALL}: each
 * option's flag, parameter label and help (with its default). picocli only collects the texts; the options read
 * them, so a flag and a config key are read by the same code.
 *
 * <p>Threading: picocli calls {@link #transform} once per command line, on the thread that builds it.
 */
final class DaemonFlags implements IModelTransformer {

    /** Adds a flag for each daemon option; named in {@code @Command(modelTransformer = ...)}. */
    @Override
    public CommandSpec transform(CommandSpec spec) {
        for (Option<?> option : DaemonOptions.ALL) {
            spec.addOption(flag(option));
        }
        return spec;
    }

    private static OptionSpec flag(Option<?> option) {
        String help = option.help() + (option.defaultText() == null ? "" : " (default: " + option.defaultText() + ")");
        OptionSpec.Builder b = OptionSpec.builder(option.flag()).description(help);
        switch (option.type().shape()) {
            case SWITCH:
                b.arity("0").type(boolean.class);
                break;
            case LIST:
                b.type(List.class).auxiliaryTypes(String.class).paramLabel(option.label());
                break;
            default:
                b.type(String.class).paramLabel(option.label());
                break;
        }
        return b.build();
    }

    /**
     * The values of the daemon options given as flags in the last parse of {@code spec}.
     *
     * @throws InvalidConfigException naming every flag whose value is invalid
     */
    static OptionValues given(CommandSpec spec) {
        ParseResult parsed = spec.commandLine().getParseResult();
        OptionValues values = OptionValues.EMPTY;
        List<String> errors = new ArrayList<>();
        for (Option<?> option : DaemonOptions.ALL) {
            if (parsed.hasMatchedOption(option.flag())) {
                try {
                    values = set(values, option, parsed.matchedOption(option.flag()).stringValues());
                } catch (IllegalArgumentException e) {
                    errors.add(e.getMessage());
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidConfigException(errors);
        }
        return values;
    }

    private static <T> OptionValues set(OptionValues values, Option<T> option, List<String> texts) {
        return values.with(option, option.fromFlag(texts));
    }

    /**
     * The daemon's configuration: {@code flags} over the {@code config} file (if any), which is read anew on each
     * call so that a reload sees its changes. Reads the file and changes nothing else.
     *
     * @throws IllegalArgumentException naming every invalid key of the file, or the rule across options broken
     */
    static DaemonConfig config(OptionValues flags, Path config, SystemdSettings systemd) {
        OptionValues file = config == null ? OptionValues.EMPTY : DaemonOptions.FILE.read(config);
        return DaemonConfig.builder().options(file.overriddenBy(flags)).systemd(systemd).build();
    }

    /** Prints each line of {@code e} to {@code err}, prefixed with {@code command}. */
    static void print(PrintWriter err, String command, IllegalArgumentException e) {
        for (String error : InvalidConfigException.errorsOf(e)) {
            err.println(command + ": " + error);
        }
    }
}
