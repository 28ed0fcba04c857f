package io.jllm.bench.kernel;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code jmh [JMH arguments]}: runs the kernel benchmarks through JMH (every argument goes to
 * JMH: {@code -l} lists them, {@code -h} shows JMH's options, {@code -p type=Q4_K} narrows a
 * parameter), then prints weight GB/s and GFLOP/s for each result.
 */
@Command(name = "jmh", description = "JMH kernel benchmarks. Arguments go to JMH (-h for its help, -l to list).")
public final class JmhCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "JMH_ARG", description = "JMH arguments, e.g. MatMulBench -p type=Q4_K")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        CommandLineOptions options;
        try {
            options = new CommandLineOptions(args.toArray(new String[0]));
        } catch (CommandLineOptionException e) {
            System.err.println("jmh: " + e.getMessage());
            return 2;
        }
        if (options.shouldHelp() || options.shouldList() || options.shouldListWithParams()
                || options.shouldListProfilers() || options.shouldListResultFormats()) {
            org.openjdk.jmh.Main.main(args.toArray(new String[0]));
            return 0;
        }
        Collection<RunResult> results = new Runner(options).run();
        System.out.println();
        System.out.println("Derived figures (weights read and multiply-adds per op; score in the benchmark's unit per op):");
        for (RunResult result : results) {
            System.out.println(KernelFigures.describe(result));
        }
        return 0;
    }

    static String format(String pattern, Object... values) {
        return String.format(Locale.ROOT, pattern, values);
    }
}
