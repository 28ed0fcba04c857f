package io.jllm.models;

import io.jllm.models.cli.ModelsCommands;
import java.io.PrintWriter;

/** Entry point of {@code jllm models}: synthesises and inspects GGUF files. */
public final class ModelsCli {
    private ModelsCli() {
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        System.exit(run(out, err, args));
    }

    /** Runs a command line, printing to {@code out} and {@code err}; returns the exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return ModelsCommands.commandLine(out, err).execute(args);
    }
}
