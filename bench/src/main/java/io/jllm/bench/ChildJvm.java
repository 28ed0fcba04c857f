package io.jllm.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one of the bench's hidden subcommands in a fresh JVM (same java, same JVM options, same class
 * path), for figures a warmed-up process cannot give: a cold start, or a clean memory peak.
 */
public final class ChildJvm {
    private ChildJvm() {
    }

    /** Runs {@code jllm-bench args...} in a new JVM and returns its standard output's last line. */
    public static String run(List<String> args, Duration limit) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!option.startsWith("-agentlib:jdwp")) {
                command.add(option);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(BenchCli.class.getName());
        command.addAll(args);
        ToolRun.Result r = ToolRun.run(command, limit);
        if (r.exitCode() != 0) {
            throw new IOException("child JVM 'jllm-bench " + String.join(" ", args) + "' exited with " + r.exitCode()
                    + ":\n" + r.stderrTail(20));
        }
        String[] lines = r.stdout().strip().split("\n");
        return lines[lines.length - 1];
    }
}
