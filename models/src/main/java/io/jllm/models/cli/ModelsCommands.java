package io.jllm.models.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;

/** The {@code models} command and its subcommands, with errors reported as one clear line. */
@Command(name = "jllm models", mixinStandardHelpOptions = true, version = "jLLM models 0.1.0",
        description = "Synthesise and inspect Qwen3 GGUF models.",
        subcommands = {SynthCommand.class, InspectCommand.class, HelpCommand.class})
public final class ModelsCommands implements Runnable {
    @picocli.CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Exit code for a command that ran and failed (bad file, unwritable path). */
    public static final int FAILED = 1;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: synth, inspect or help");
    }

    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new ModelsCommands());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println(commandLine.getCommandName() + ": error: " + describe(e));
            commandLine.getErr().flush();
            return FAILED;
        });
        return cl;
    }

    private static String describe(Exception e) {
        return switch (e) {
            case NoSuchFileException n -> n.getFile() + ": " + (n.getReason() == null ? "no such file" : n.getReason());
            case AccessDeniedException a -> a.getFile() + ": " + (a.getReason() == null ? "permission denied" : a.getReason());
            case IOException io -> io.getMessage();
            default -> e.getMessage() == null ? e.toString() : e.getMessage();
        };
    }
}
