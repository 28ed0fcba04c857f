package io.jllm.bench;

import io.jllm.bench.files.FilesCommand;
import io.jllm.bench.files.OpenOnceCommand;
import io.jllm.bench.http.HttpCommand;
import io.jllm.bench.http.SoakCommand;
import io.jllm.bench.kernel.CpuTimeCommand;
import io.jllm.bench.kernel.JmhCommand;
import io.jllm.bench.serve.ServeCommand;
import io.jllm.bench.speed.GenerationProbeCommand;
import io.jllm.bench.speed.SpeedCommand;
import io.jllm.bench.tokenizer.TokenizerCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the bench jar: one subcommand per kind of benchmark. */
@Command(name = "jllm-bench", mixinStandardHelpOptions = true,
        subcommands = {JmhCommand.class, CpuTimeCommand.class, FilesCommand.class, TokenizerCommand.class,
            SpeedCommand.class, ServeCommand.class, HttpCommand.class, SoakCommand.class, OpenOnceCommand.class,
            GenerationProbeCommand.class},
        description = {"jLLM benchmarks. End-to-end commands run jLLM side by side with a native llama.cpp build",
            "and write their section of a results file (default bench/RESULTS.md) with plots (bench/plots/).",
            "Every command has --quick (tiny model, few runs) for a smoke run."})
public final class BenchCli implements Runnable {
    private static volatile String commandLine = "jllm-bench";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // Plots render with Java2D into images; no display is needed or wanted.
        System.setProperty("java.awt.headless", "true");
        commandLine = commandLine(args);
        // JMH's own options (-p, -wi, ...) pass through the jmh subcommand untouched
        System.exit(new CommandLine(new BenchCli()).setUnmatchedOptionsArePositionalParams(true).execute(args));
    }

    /** The command as a shell would take it back: arguments with spaces or quotes are single-quoted. */
    static String commandLine(String[] args) {
        StringBuilder sb = new StringBuilder("jllm-bench");
        for (String a : args) {
            sb.append(' ');
            if (a.matches("[A-Za-z0-9_./:=,+@%-]+")) {
                sb.append(a);
            } else {
                sb.append('\'').append(a.replace("'", "'\\''")).append('\'');
            }
        }
        return sb.toString();
    }

    /** How this process was started, for the results file. */
    public static String commandLine() {
        return commandLine;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
