package dev.portlocal.cli;

import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Help.Ansi;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes one man page (section 1, roff) per command from the same picocli model that prints {@code --help}, so the
 * pages can never disagree with the help: {@code portlocal.1}, {@code portlocal-run.1},
 * {@code portlocal-endpoints-list.1} and so on. The build runs it before packaging; the Debian package installs the
 * pages under {@code /usr/share/man/man1}.
 *
 * <p>The option and command lists are kept as picocli lays them out (in no-fill blocks), which reads the same in a
 * terminal as {@code --help} does.
 */
public final class ManPages {

    private ManPages() {
    }

    /** {@code ManPages DIR VERSION}: writes the pages into DIR. */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: ManPages DIR VERSION");
        }
        Path dir = Files.createDirectories(Path.of(args[0]));
        PrintWriter quiet = new PrintWriter(new StringWriter());
        CommandLine root = Main.newCommandLine(quiet, quiet);
        List<CommandLine> all = new ArrayList<>();
        collect(root, all);
        List<String> names = new ArrayList<>();
        for (CommandLine cl : all) {
            names.add(pageName(cl));
        }
        for (CommandLine cl : all) {
            Files.writeString(dir.resolve(pageName(cl) + ".1"), page(cl, args[1], names), StandardCharsets.UTF_8);
        }
    }

    private static void collect(CommandLine cl, List<CommandLine> out) {
        out.add(cl);
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (!out.contains(sub) && !sub.getCommandSpec().usageMessage().hidden()) {
                collect(sub, out);
            }
        }
    }

    static String pageName(CommandLine cl) {
        return cl.getCommandSpec().qualifiedName("-");
    }

    /** The roff source of {@code cl}'s page. */
    static String page(CommandLine cl, String version, List<String> allPages) {
        cl.setColorScheme(Help.defaultColorScheme(Ansi.OFF));
        Help help = cl.getHelp();
        String name = pageName(cl);
        StringBuilder out = new StringBuilder();
        out.append(".TH ").append(name.toUpperCase(java.util.Locale.ROOT)).append(" 1 \"\" \"portlocal ")
                .append(escape(version)).append("\" \"portlocal manual\"\n");
        String summary = help.description().strip().lines().findFirst().orElse("");
        out.append(".SH NAME\n").append(escape(name)).append(" \\- ").append(escape(summary)).append('\n');
        out.append(".SH SYNOPSIS\n");
        block(out, help.synopsis(0));
        if (!help.description().isBlank()) {
            out.append(".SH DESCRIPTION\n");
            block(out, help.description());
        }
        String parameters = help.parameterList();
        String options = help.optionList() + help.optionListGroupSections();
        if (!parameters.isBlank() || !options.isBlank()) {
            out.append(".SH OPTIONS\n");
            block(out, parameters + options);
        }
        if (!cl.getSubcommands().isEmpty()) {
            out.append(".SH COMMANDS\n");
            block(out, help.commandList());
            out.append("Each command has its own page: ");
            List<String> subs = new ArrayList<>();
            for (CommandLine sub : cl.getSubcommands().values()) {
                if (sub.getCommandSpec().usageMessage().hidden()) {
                    continue;
                }
                subs.add("\\fB" + escape(pageName(sub)) + "\\fR(1)");
            }
            out.append(String.join(", ", subs)).append(".\n");
        }
        if (!help.exitCodeList().isBlank()) {
            out.append(".SH EXIT STATUS\n");
            block(out, help.exitCodeList());
        }
        out.append(".SH SEE ALSO\n");
        List<String> see = new ArrayList<>();
        for (String other : allPages) {
            if (!other.equals(name) && (other.equals("portlocal") || other.startsWith(name + "-")
                    || name.startsWith(other + "-"))) {
                see.add("\\fB" + escape(other) + "\\fR(1)");
            }
        }
        see.add("/usr/share/doc/portlocal/cli.md");
        out.append(String.join(", ", see)).append('\n');
        return out.toString();
    }

    /** Text as laid out, without filling or adjusting. */
    private static void block(StringBuilder out, String text) {
        out.append(".nf\n");
        for (String line : text.stripTrailing().split("\n", -1)) {
            String escaped = escape(line);
            if (escaped.startsWith(".") || escaped.startsWith("'")) {
                escaped = "\\&" + escaped;
            }
            out.append(escaped).append('\n');
        }
        out.append(".fi\n");
    }

    /** Escapes roff's backslash, and writes hyphens as the minus sign that can be copied into a shell. */
    static String escape(String text) {
        return text.replace("\\", "\\e").replace("-", "\\-");
    }
}
