package io.jllm.bench;

import io.jllm.bench.kernel.JmhCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the bench jar: one subcommand per kind of benchmark. */
@Command(name = "jllm-bench", mixinStandardHelpOptions = true, subcommands = {JmhCommand.class, io.jllm.bench.kernel.CpuTimeCommand.class},
        description = "jLLM benchmarks.")
public final class BenchCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // JMH's own options (-p, -wi, ...) pass through the jmh subcommand untouched
        System.exit(new CommandLine(new BenchCli()).setUnmatchedOptionsArePositionalParams(true).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
