package dev.portlocal.cli;

import io.netty.util.ResourceLeakDetector;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The entry point of {@code portlocal.jar}. */
public final class Main {

    /** How many suggestions a usage error offers at most. */
    private static final int SUGGESTIONS = 3;

    private Main() {
    }

    public static void main(String[] args) {
        // Starts logback, so that LogSetup configures it before any command logs.
        LoggerFactory.getILoggerFactory();
        leakDetectionOffUnlessAsked();
        System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /**
     * Netty's leak detector samples one buffer in 128 by default and records a stack trace for it, about 1% of the
     * event loop's CPU on short connections; the daemon's buffers are checked by the tests at the paranoid level.
     * So it is off, unless the JVM is told a level ({@code -Dio.netty.leakDetection.level=...}), which then applies.
     */
    static void leakDetectionOffUnlessAsked() {
        if (System.getProperty("io.netty.leakDetection.level") == null
                && System.getProperty("io.netty.leakDetectionLevel") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    /**
     * Runs one command line as {@code portlocal ARGS} does, writing to {@code out} and {@code err}: the options of
     * a command may stand before its name ({@code portlocal --api ADDR endpoints list}), as kubectl allows.
     *
     * @return the exit code
     */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = newCommandLine(out, err);
        return cl.execute(optionsAfterCommand(cl, args));
    }

    /** A fresh command line writing to {@code out} and {@code err}, so tests can capture both. */
    public static CommandLine newCommandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new PortlocalCommand());
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler(Main::usageError);
        // picocli consults this mapper for usage errors too: they must stay 2, as documented.
        cl.setExitCodeExceptionMapper(t -> t instanceof CommandLine.ParameterException
                ? ExitCodes.INVALID : ExitCodes.FAILURE);
        return cl;
    }

    /**
     * A usage error in one line that names the problem, with what was probably meant, and a pointer to the
     * command's help; not the whole usage, which buries the one line that matters.
     */
    private static int usageError(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        StringBuilder line = new StringBuilder(name).append(": ").append(e.getMessage());
        if (e instanceof UnmatchedArgumentException unmatched) {
            List<String> suggestions = unmatched.getSuggestions();
            if (!suggestions.isEmpty()) {
                line.append(" (did you mean ")
                        .append(String.join(" or ", suggestions.subList(0, Math.min(SUGGESTIONS,
                                suggestions.size()))))
                        .append("?)");
            }
        }
        PrintWriter err = cmd.getErr();
        err.println(line);
        err.println("See '" + name + " --help'.");
        err.flush();
        return ExitCodes.INVALID;
    }

    /**
     * Moves the options written before a subcommand's name to after the deepest subcommand named, where picocli
     * reads them: {@code --api X endpoints list} becomes {@code endpoints list --api X}. Only options that the
     * named subcommand (or one below it) declares move; anything else stays where it is, so picocli reports it.
     */
    static String[] optionsAfterCommand(CommandLine root, String[] args) {
        List<String> path = new ArrayList<>();
        List<String> moved = new ArrayList<>();
        CommandLine current = root;
        int i = 0;
        while (i < args.length) {
            String a = args[i];
            Map<String, CommandLine> subs = current.getSubcommands();
            if (subs.containsKey(a)) {
                path.add(a);
                current = subs.get(a);
                i++;
                continue;
            }
            if (a.startsWith("-") && !a.equals("--") && declaredBelow(current, optionName(a))) {
                moved.add(a);
                if (!a.contains("=") && takesValue(current, optionName(a)) && i + 1 < args.length) {
                    moved.add(args[i + 1]);
                    i++;
                }
                i++;
                continue;
            }
            break;
        }
        if (moved.isEmpty()) {
            return args;
        }
        List<String> out = new ArrayList<>(path);
        out.addAll(moved);
        for (int j = i; j < args.length; j++) {
            out.add(args[j]);
        }
        return out.toArray(new String[0]);
    }

    private static String optionName(String arg) {
        int eq = arg.indexOf('=');
        return eq < 0 ? arg : arg.substring(0, eq);
    }

    /** True if {@code cl} itself does not declare {@code name} but a subcommand at some depth below does. */
    private static boolean declaredBelow(CommandLine cl, String name) {
        if (cl.getCommandSpec().findOption(name) != null) {
            return false;
        }
        return find(cl, name) != null;
    }

    private static boolean takesValue(CommandLine cl, String name) {
        OptionSpec option = find(cl, name);
        return option != null && option.arity().max() > 0;
    }

    private static OptionSpec find(CommandLine cl, String name) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            OptionSpec option = sub.getCommandSpec().findOption(name);
            if (option != null) {
                return option;
            }
            OptionSpec deeper = find(sub, name);
            if (deeper != null) {
                return deeper;
            }
        }
        return null;
    }
}
