package dev.portlocal.cli;

import org.slf4j.LoggerFactory;
import picocli.CommandLine;

import java.io.PrintWriter;

/** The entry point of {@code portlocal.jar}. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        // Starts logback, so that LogSetup configures it before any command logs.
        LoggerFactory.getILoggerFactory();
        int code = newCommandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true))
                .execute(args);
        System.exit(code);
    }

    /** A fresh command line writing to {@code out} and {@code err}, so tests can capture both. */
    public static CommandLine newCommandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new PortlocalCommand());
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // picocli consults this mapper for usage errors too: they must stay 2, as documented.
        cl.setExitCodeExceptionMapper(t -> t instanceof CommandLine.ParameterException
                ? ExitCodes.INVALID : ExitCodes.FAILURE);
        return cl;
    }
}
